import Foundation

/// Python 3 scripts the tests run as independent oracles (Selenium driving Chromium,
/// OpenTelemetry's own protobuf definitions), and the interpreter that has their modules.
enum PythonTool {
    struct Result {
        var status: Int32
        /// stdout and stderr together, in order.
        var output: String
    }

    /// The first Python 3 (Debian's, then PATH's) that imports every module in `modules`.
    static func python(importing modules: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/bin/python3"] + path.split(separator: ":").map { "\($0)/python3" }
        var tried: Set<String> = []
        for candidate in candidates where tried.insert(candidate).inserted && FileManager.default.isExecutableFile(atPath: candidate) {
            let check = try? run(candidate, ["-c", modules.map { "import \($0)" }.joined(separator: "; ")], timeout: 60)
            if check?.status == 0 { return candidate }
        }
        return nil
    }

    /// Runs a program to completion; output goes to a file (no pipe to fill). After `timeout`
    /// seconds it is killed and the status is -1.
    static func run(_ executable: String, _ arguments: [String], timeout: Double) throws -> Result {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("glancetrace-tool-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var status = process.isRunning ? -1 : process.terminationStatus
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            status = -1
        }
        return Result(status: status, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
