import Foundation

/// The external tools the pipeline tests run (paths: `ProjectPaths` of TestSupport).
enum PipelinePaths {
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
