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

    /// `$GLANCETRACE_SHARED_CAPTURES`'s parent, else `../shared` next to the checkout (the main
    /// one), or `../../shared` (a worktree in `wt/`).
    static let sharedRoot: URL = {
        if let configured = ProcessInfo.processInfo.environment["GLANCETRACE_SHARED_CAPTURES"] {
            return URL(fileURLWithPath: configured).deletingLastPathComponent()
        }
        let parent = projectRoot.deletingLastPathComponent()
        let candidates = [parent, parent.deletingLastPathComponent()].map { $0.appendingPathComponent("shared") }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("captures").path) } ?? candidates[0]
    }()

    static func sharedCapture(_ scenario: String) -> String {
        sharedRoot.appendingPathComponent("captures/\(scenario)/capture.pcap").path
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
