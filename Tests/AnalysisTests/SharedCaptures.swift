import Foundation
import Testing

/// Paths of the real captures in `../shared/captures` and their truth files.
enum SharedCaptures {
    static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `../shared/captures`, or `$GLANCETRACE_SHARED_CAPTURES` (a worktree elsewhere).
    static let root = ProcessInfo.processInfo.environment["GLANCETRACE_SHARED_CAPTURES"].map { URL(fileURLWithPath: $0) }
        ?? projectRoot.deletingLastPathComponent().appendingPathComponent("shared/captures")

    static let scenarios = ["a-seed", "b-sequential", "e-lifecycle"]

    /// Whether `../shared/captures` is there: suites that read it are skipped (with this
    /// reason) on a checkout without the shared folder.
    static var available: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("a-seed/truth.json").path)
    }
    static let missing: Comment = "../shared/captures is not next to this checkout"

    static func capture(_ scenario: String) -> String { root.appendingPathComponent("\(scenario)/capture.pcap").path }

    static func truth(_ scenario: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("\(scenario)/truth.json"))
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}
