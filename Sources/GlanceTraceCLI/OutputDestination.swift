#if canImport(Glibc)
import Glibc
#endif

/// Writes a command's result to stdout or to the `-o` file.
enum OutputDestination {
    static func write(_ text: String, to path: String?) throws {
        guard let path else {
            _ = writeAll(text, to: STDOUT_FILENO)
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw CommandFailure(message: "\(path): cannot write the output: \(String(cString: strerror(errno)))")
        }
        let written = writeAll(text, to: descriptor)
        let closed = close(descriptor)
        if !written || closed != 0 {
            throw CommandFailure(message: "\(path): writing the output failed: \(String(cString: strerror(errno)))")
        }
    }
}
