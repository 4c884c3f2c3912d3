import Foundation

/// The programs tests compare against (tshark, capinfos, editcap, pt-fingerprint, tcpdump):
/// found where they are installed, run with their output collected. A test whose tool is
/// missing skips that part with a note.
public enum ExternalTool {
    /// The full path of `name` on `$PATH` or in the usual system folders, or nil.
    public static func path(_ name: String) -> String? {
        let searched = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        return searched.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the tool named `name` when it is installed; nil when it is not.
    @discardableResult
    public static func runIfInstalled(_ name: String, _ arguments: [String]) throws -> Output? {
        guard let executable = path(name) else { return nil }
        return try run(executable, arguments)
    }

    /// What a finished run left: its exit status, standard output and standard error.
    public struct Output: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    /// Runs `executable` (a path, or a name looked up with `path(_:)`) to its end. Standard
    /// output is collected, or written to `stdoutTo`; standard error goes through a temporary
    /// file, so neither stream can fill a pipe and stall the tool. `environment` is added to ours.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], stdoutTo file: String? = nil,
                           environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : path(executable) ?? executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errorHandle = FileHandle(forWritingAtPath: errorPath)
        process.standardError = errorHandle
        let pipe = Pipe()
        var outputHandle: FileHandle?
        if let file {
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            outputHandle = FileHandle(forWritingAtPath: file)
            process.standardOutput = outputHandle
        } else {
            process.standardOutput = pipe
        }
        defer {
            try? outputHandle?.close()
            try? errorHandle?.close()
        }
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and block the tool.
        let output = file == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        let error = FileManager.default.contents(atPath: errorPath) ?? Data()
        return Output(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                      error: String(decoding: error, as: UTF8.self))
    }
}
