import Foundation

/// Where the tests find the project's fixtures and the shared real captures.
public enum ProjectPaths {
    /// The checkout: the nearest folder above this file that holds `Package.swift`.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    public static let fixtures = root.appendingPathComponent("Fixtures")

    /// The path of `Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }

    /// The shared folder (real captures, the pcapng conformance suite): the parent of
    /// `$GLANCETRACE_SHARED_CAPTURES` when set, else `../shared` next to the checkout (the main
    /// one) or `../../shared` (a worktree in `wt/`), whichever has `captures`.
    public static let shared: URL = {
        if let configured = ProcessInfo.processInfo.environment["GLANCETRACE_SHARED_CAPTURES"] {
            return URL(fileURLWithPath: configured).deletingLastPathComponent()
        }
        let parent = root.deletingLastPathComponent()
        let candidates = [parent, parent.deletingLastPathComponent()].map { $0.appendingPathComponent("shared") }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("captures").path) } ?? candidates[0]
    }()

    /// `shared/captures`, or `$GLANCETRACE_SHARED_CAPTURES` itself when set.
    public static let sharedCaptures: URL = ProcessInfo.processInfo.environment["GLANCETRACE_SHARED_CAPTURES"]
        .map { URL(fileURLWithPath: $0) } ?? shared.appendingPathComponent("captures")

    /// The test bed's first recordings, in every shared folder.
    public static let sharedScenarios = ["a-seed", "b-sequential", "e-lifecycle"]

    /// The path of a shared scenario's capture (it may not exist: see `sharedCapturesAvailable`).
    public static func sharedCapture(_ scenario: String) -> String {
        sharedCaptures.appendingPathComponent("\(scenario)/capture.pcap").path
    }

    /// Whether the shared captures are there; suites that read them are skipped without them (CI).
    public static var sharedCapturesAvailable: Bool {
        FileManager.default.fileExists(atPath: sharedCaptures.appendingPathComponent("a-seed/truth.json").path)
    }

    /// Where the test bed's full recordings may be (`<scenario>/` with a capture and truth.json):
    /// `$GLANCETRACE_TESTBED_CAPTURES`, else `testbed-captures/` next to the checkout or next to
    /// its parent (where `TB_CAPTURES=... run-scenarios.sh` writes them on the development machine).
    public static let testbedRecordingRoots: [URL] = {
        var roots: [URL] = []
        if let configured = ProcessInfo.processInfo.environment["GLANCETRACE_TESTBED_CAPTURES"] {
            roots.append(URL(fileURLWithPath: configured))
        }
        let parent = root.deletingLastPathComponent()
        return roots + [parent, parent.deletingLastPathComponent()].map { $0.appendingPathComponent("testbed-captures") }
    }()

    /// The folder of the first full recording of `scenario` that holds one of each group of
    /// `files` (`[["capture.pcap", "capture.pcapng"], ["truth.json"]]`), or nil.
    public static func testbedRecording(_ scenario: String, holding files: [[String]]) -> URL? {
        testbedRecordingRoots.map { $0.appendingPathComponent(scenario) }.first { directory in
            files.allSatisfy { group in
                group.contains { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
            }
        }
    }

    /// A fresh scratch folder under the system's temporary directory; the caller removes it.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glancetrace-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
