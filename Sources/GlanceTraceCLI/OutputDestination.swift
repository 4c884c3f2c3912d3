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
        try streamBytes(to: path) { emit in
            json.serializeBytes { $0.withUnsafeBytes(emit) }
            var newline = UInt8(ascii: "\n")
            withUnsafeBytes(of: &newline) { emit($0) }
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

    /// Writes UTF-8 text produced in chunks (`ExchangeListText.httpBytes`), gathered into writes
    /// of about 256 KB as `writeLines` does.
    static func writeByteLines(to path: String?, _ produce: (([UInt8]) -> Void) -> Void) throws {
        try streamBytes(to: path) { emit in
            withoutActuallyEscaping(emit) { emit in
                var pending: [UInt8] = []
                produce { chunk in
                    if pending.isEmpty && chunk.count >= 1 << 17 {
                        chunk.withUnsafeBytes(emit)
                        return
                    }
                    if pending.capacity < 1 << 18 { pending.reserveCapacity((1 << 18) &+ (1 << 17)) }
                    pending.append(contentsOf: chunk)
                    if pending.count >= 1 << 18 {
                        pending.withUnsafeBytes(emit)
                        pending.removeAll(keepingCapacity: true)
                    }
                }
                if !pending.isEmpty { pending.withUnsafeBytes(emit) }
            }
        }
    }

    /// Opens the destination and gives `body` a function that appends text to it.
    static func stream(to path: String?, _ body: ((String) -> Void) -> Void) throws {
        try streamBytes(to: path) { emit in
            withoutActuallyEscaping(emit) { emit in
                body { text in
                    var text = text
                    text.withUTF8 { emit(UnsafeRawBufferPointer($0)) }
                }
            }
        }
    }

    /// Opens the destination and gives `body` a function that appends bytes to it.
    static func streamBytes(to path: String?, _ body: ((UnsafeRawBufferPointer) -> Void) -> Void) throws {
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
        body { bytes in
            guard written else { return }
            written = writeAll(bytes, to: descriptor)
            if !written { failure = errno }
        }
        let closed = close(descriptor)
        if !written || closed != 0 {
            let code = written ? errno : failure
            throw CommandFailure(message: "\(path): writing the output failed: \(String(cString: strerror(code)))")
        }
    }
}
