import Foundation

/// Locations the pipeline tests read: the project's fixtures and the shared real captures.
enum PipelinePaths {
    static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    static func fixture(_ relative: String) -> String { projectRoot.appendingPathComponent("Fixtures/\(relative)").path }

    /// `../shared/captures`, or `$GLANCETRACE_SHARED_CAPTURES` (a worktree elsewhere).
    static let sharedRoot: URL = ProcessInfo.processInfo.environment["GLANCETRACE_SHARED_CAPTURES"].map { URL(fileURLWithPath: $0) }
        ?? projectRoot.deletingLastPathComponent().appendingPathComponent("shared/captures")

    static func sharedCapture(_ scenario: String) -> String {
        sharedRoot.appendingPathComponent("\(scenario)/capture.pcap").path
    }

    /// Whether `../shared/captures` is there; suites that read it are skipped without it.
    static var sharedAvailable: Bool { FileManager.default.fileExists(atPath: sharedCapture("a-seed")) }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glancetrace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a tool found on PATH; nil when it is not installed.
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let directory = candidates.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(directory)/\(tool)")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
