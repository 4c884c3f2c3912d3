/// Reads an HTTP/1.1 response from whatever bytes arrive, as NIOHTTP1's decoder does: a state
/// machine fed any split of the stream. Everything a receiver sends is untrusted: the head, each
/// chunk-size line and the body are bounded (`Limits`), and a malformed response is an error, never
/// a trap.
///
/// The body is framed by `Transfer-Encoding: chunked`, then `Content-Length`, then the end of the
/// connection (RFC 9112 section 6.3). Interim 1xx responses are skipped. Once the body passes
/// `Limits.body` the reader stops with `bodyTruncated`: the rest is not wanted.
struct HTTPResponseReader {
    struct Limits {
        /// Status line and headers together.
        var head = 64 * 1024
        var headerCount = 100
        var body = 1 << 20
    }

    private enum State {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
    }

    let limits: Limits
    private var state = State.head
    /// Bytes of a line or head not complete yet.
    private var pending: [UInt8] = []
    private var status = 0
    private var retryAfter: String?
    private var body: [UInt8] = []
    private var bodyTruncated = false
    private var trailerBytes = 0

    init(limits: Limits = Limits()) { self.limits = limits }

    /// The response, once it is complete.
    var response: HTTPPostResponse? {
        guard case .done = state else { return nil }
        return HTTPPostResponse(status: status, retryAfter: retryAfter, body: body, bodyTruncated: bodyTruncated)
    }

    /// Takes the next bytes of the stream; bytes after the end of the response are ignored.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(HTTPPostFailure) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .done:
                return
            case .head:
                index = try readHead(bytes, from: index)
            case .body(let remaining):
                let taken = min(remaining, bytes.count - index)
                keep(bytes, index, taken)
                index += taken
                state = remaining == taken ? .done : .body(remaining: remaining - taken)
            case .untilClose:
                keep(bytes, index, bytes.count - index)
                index = bytes.count
            case .chunkData(let remaining):
                let taken = min(remaining, bytes.count - index)
                keep(bytes, index, taken)
                index += taken
                state = remaining == taken ? .chunkEnd : .chunkData(remaining: remaining - taken)
            case .chunkSize, .chunkEnd, .trailers:
                guard let (line, next) = try readLine(bytes, from: index, limit: 4096) else { return }
                index = next
                try takeLine(line)
            }
            if bodyTruncated { state = .done }
        }
    }

    /// The connection closed: completes a response framed by the close, fails any other that is not complete.
    mutating func consumeEnd() throws(HTTPPostFailure) {
        switch state {
        case .done: return
        case .untilClose: state = .done
        case .head where pending.isEmpty && status == 0:
            throw HTTPPostFailure("the receiver closed the connection without answering")
        default:
            throw HTTPPostFailure("the receiver closed the connection in the middle of its answer (HTTP \(status))")
        }
    }

    private mutating func keep(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ count: Int) {
        let room = limits.body - body.count
        body.append(contentsOf: bytes[start..<start + min(count, room)])
        if count > room { bodyTruncated = true }
    }

    /// A line ending in LF (CR before it dropped), or nil when `bytes` ends first (kept in `pending`).
    private mutating func readLine(_ bytes: UnsafeRawBufferPointer, from start: Int, limit: Int) throws(HTTPPostFailure) -> ([UInt8], Int)? {
        var index = start
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        guard pending.count + (index - start) <= limit else { throw HTTPPostFailure("a line of the receiver's answer is over \(limit) bytes") }
        pending.append(contentsOf: bytes[start..<index])
        guard index < bytes.count else { return nil }
        var line = pending
        pending.removeAll(keepingCapacity: true)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return (line, index + 1)
    }

    private mutating func readHead(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(HTTPPostFailure) -> Int {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            pending.append(byte)
            index += 1
            guard pending.count <= limits.head else { throw HTTPPostFailure("the receiver's answer has a head over \(limits.head) bytes") }
            // The head ends with an empty line (CRLF CRLF, or bare LFs).
            if byte == UInt8(ascii: "\n"), pending.count >= 2,
               pending[pending.count - 2] == UInt8(ascii: "\n") || (pending.count >= 3 && pending[pending.count - 2] == UInt8(ascii: "\r") && pending[pending.count - 3] == UInt8(ascii: "\n")) {
                let head = pending
                pending.removeAll(keepingCapacity: true)
                try parseHead(head)
                return index
            }
        }
        return index
    }

    private mutating func parseHead(_ head: [UInt8]) throws(HTTPPostFailure) {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first else { throw HTTPPostFailure("the receiver's answer is empty") }
        let parts = statusLine.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)), parts[1].count == 3,
              let code = Int(String(decoding: parts[1], as: UTF8.self)), code >= 100 else {
            throw HTTPPostFailure("the receiver did not answer in HTTP/1.x: \(Self.printable(statusLine.prefix(60)))")
        }
        guard lines.count - 1 <= limits.headerCount else { throw HTTPPostFailure("the receiver's answer has over \(limits.headerCount) headers") }
        var contentLength: Int?
        var chunked = false
        var after: String?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw HTTPPostFailure("a header line of the receiver's answer has no colon") }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            let value = Self.trimmed(line[(colon + 1)...])
            switch name {
            case "content-length":
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let length = Int(value), contentLength == nil || contentLength == length else {
                    throw HTTPPostFailure("the receiver's answer has an invalid Content-Length: \(Self.printable(Array(value.utf8).prefix(40)))")
                }
                contentLength = length
            case "transfer-encoding":
                // Only the last coding frames the body (RFC 9112 section 6.3).
                chunked = value.split(separator: ",").last.map { $0.trimmingSpaces.lowercased() == "chunked" } ?? false
            case "retry-after":
                after = String(value.prefix(64))
            default:
                break
            }
        }
        if code < 200 { return }  // interim (100 Continue): the real answer follows
        status = code
        retryAfter = after
        if code == 204 || code == 304 {
            state = .done
        } else if chunked {
            state = .chunkSize
        } else if let contentLength {
            state = contentLength == 0 ? .done : .body(remaining: contentLength)
        } else {
            state = .untilClose
        }
    }

    private mutating func takeLine(_ line: [UInt8]) throws(HTTPPostFailure) {
        switch state {
        case .chunkSize:
            let digits = line.prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ Self.isHexDigit($0) }), let size = Int(String(decoding: digits, as: UTF8.self), radix: 16), size >= 0 else {
                throw HTTPPostFailure("the receiver's answer has an invalid chunk size: \(Self.printable(line.prefix(40)))")
            }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .chunkEnd:
            guard line.isEmpty else { throw HTTPPostFailure("a chunk of the receiver's answer does not end with CRLF") }
            state = .chunkSize
        case .trailers:
            trailerBytes += line.count
            guard trailerBytes <= limits.head else { throw HTTPPostFailure("the receiver's answer has trailers over \(limits.head) bytes") }
            if line.isEmpty { state = .done }
        default:
            break
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingSpaces
    }

    /// Text of the receiver's bytes fit for a message: non-printable bytes as `?`.
    static func printable(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
