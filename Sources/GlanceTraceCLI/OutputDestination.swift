import Reports
#if canImport(Glibc)
import Glibc
#endif

/// Writes a command's result to stdout or to the `-o` file.
enum OutputDestination {
    static func write(_ text: String, to path: String?) throws {
        try stream(to: path) { emit in emit(text) }
    }

    /// Writes a JSON document in pieces as it is serialised: big reports never exist whole.
    static func write(_ json: JSONValue, to path: String?) throws {
        try stream(to: path) { emit in
            json.serialize { emit($0) }
            emit("\n")
        }
    }

    /// Writes text produced in many small pieces (one line per exchange, or chunks of lines from
    /// `OrderedChunkFormatter`), gathered into writes of about 256 KB: neither the whole listing
    /// nor a system call per line. A piece that big already is written as it is.
    static func writeLines(to path: String?, _ produce: ((String) -> Void) -> Void) throws {
        try stream(to: path) { emit in
            withoutActuallyEscaping(emit) { emit in
                var pending = ""
                produce { line in
                    if pending.isEmpty && line.utf8.count >= 1 << 17 {
                        emit(line)
                        return
                    }
                    pending += line
                    if pending.utf8.count >= 1 << 18 {
                        emit(pending)
                        pending = ""
                    }
                }
                if !pending.isEmpty { emit(pending) }
            }
        }
    }

    /// Opens the destination and gives `body` a function that appends text to it.
    static func stream(to path: String?, _ body: ((String) -> Void) -> Void) throws {
        guard let path else {
            var ok = true
            body { ok = writeAll($0, to: STDOUT_FILENO) && ok }
            if !ok, errno != EPIPE {
                throw CommandFailure(message: "standard output: writing failed: \(String(cString: strerror(errno)))")
            }
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw CommandFailure(message: "\(path): cannot write the output: \(String(cString: strerror(errno)))")
        }
        var written = true
        var failure: Int32 = 0
        body { text in
            guard written else { return }
            written = writeAll(text, to: descriptor)
            if !written { failure = errno }
        }
        let closed = close(descriptor)
        if !written || closed != 0 {
            let code = written ? errno : failure
            throw CommandFailure(message: "\(path): writing the output failed: \(String(cString: strerror(code)))")
        }
    }
}
