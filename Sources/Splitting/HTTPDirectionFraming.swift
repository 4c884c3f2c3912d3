import HTTPDecoding
import Reassembly

/// Which payload bytes of one direction of a TCP connection are bulk body.
///
/// Heads are parsed and bodies framed by `HTTPDecoding`'s own rules (`HTTPHead.parse`,
/// `HTTPHead.bodyFraming`), so a stream is read as the decoder reads it; what is this type's
/// own is the byte accounting that maps a segment's bytes to body bytes.
///
/// An incremental state machine fed whatever in-order bytes arrived: start line and headers,
/// then a body by Content-Length, chunked encoding, or until close. `consume` returns how many
/// leading bytes of the segment must be kept: everything up to the last byte that is not bulk
/// (a packet can only lose a suffix). Anything it does not understand switches it to
/// `.opaque`, which keeps every byte until a segment starts with an HTTP start line again.
struct HTTPDirectionFraming {
    enum State {
        /// Not HTTP, or lost: keep everything; try again at the next segment start.
        case opaque
        /// Reading a start line and headers (bytes collected in `head`).
        case head
        case body(remaining: Int64, bulk: Bool)
        case chunkSize(bulk: Bool)
        case chunkData(remaining: Int64, bulk: Bool)
        /// The CRLF after chunk data; `left` bytes of it still to come.
        case chunkEnd(left: Int, bulk: Bool)
        /// Trailer lines after the last chunk; `lineLength` bytes of the current line so far.
        case trailers(lineLength: Int, bulk: Bool)
        case untilClose(bulk: Bool)
    }

    var state: State = .opaque
    private var head: [UInt8] = []
    private var line: [UInt8] = []
    /// Which requests' bodies are bulk, by method and path (the caller's policy); any body
    /// sent as `application/octet-stream` is bulk too.
    let bulkRequest: @Sendable (_ method: String, _ path: String) -> Bool

    init(bulkRequest: @escaping @Sendable (_ method: String, _ path: String) -> Bool) {
        self.bulkRequest = bulkRequest
    }

    /// Heads longer than this are not HTTP we can follow (nginx's default is 8 KiB per line).
    static let headLimit = 64 << 10

    /// Whether the bytes start like an HTTP/1.x request or response (the decoder's sniffing).
    static func startsMessage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        HTTPConnectionDecoder.looksLikeHTTP(bytes, direction: .serverToClient)
            || HTTPConnectionDecoder.looksLikeHTTP(bytes, direction: .clientToServer)
    }

    /// Called at the start of a segment in `.opaque` state: resynchronise on a start line.
    mutating func resynchronise(_ bytes: UnsafeRawBufferPointer) {
        guard case .opaque = state, HTTPDirectionFraming.startsMessage(bytes) else { return }
        state = .head
        head.removeAll(keepingCapacity: true)
    }

    /// Feeds in-order payload bytes; returns the length of the prefix that must be kept.
    /// `requests` is the connection's queue of request heads awaiting their responses.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, requests: inout RequestQueue) -> Int {
        let n = bytes.count
        var i = 0
        var keep = 0
        while i < n {
            switch state {
            case .opaque:
                return n
            case .head:
                while i < n {
                    head.append(bytes[i])
                    i += 1
                    if endsHead() { break }
                }
                keep = i
                if head.count > HTTPDirectionFraming.headLimit || (head.count >= 16 && !Self.plausible(head)) {
                    state = .opaque
                    return n
                }
                if endsHead() { startBody(requests: &requests) }
            case .body(let remaining, let bulk):
                let take = Int(min(remaining, Int64(n - i)))
                i += take
                if !bulk { keep = i }
                state = remaining - Int64(take) == 0 ? .head : .body(remaining: remaining - Int64(take), bulk: bulk)
                if case .head = state { head.removeAll(keepingCapacity: true) }
            case .chunkSize(let bulk):
                while i < n {
                    let byte = bytes[i]
                    i += 1
                    if byte == 0x0a { break }
                    line.append(byte)
                    if line.count > 1024 {
                        state = .opaque
                        return n
                    }
                }
                if !bulk { keep = i }
                guard i > 0, bytes[i - 1] == 0x0a else { continue }
                guard case .size(let size) = HTTPBodyFraming.chunkSizeLine(line) else {
                    state = .opaque
                    return n
                }
                line.removeAll(keepingCapacity: true)
                state = size == 0 ? .trailers(lineLength: 0, bulk: bulk) : .chunkData(remaining: Int64(size), bulk: bulk)
            case .chunkData(let remaining, let bulk):
                let take = Int(min(remaining, Int64(n - i)))
                i += take
                if !bulk { keep = i }
                let left = remaining - Int64(take)
                state = left == 0 ? .chunkEnd(left: 2, bulk: bulk) : .chunkData(remaining: left, bulk: bulk)
            case .chunkEnd(let left, let bulk):
                i += 1
                if !bulk { keep = i }
                state = left <= 1 ? .chunkSize(bulk: bulk) : .chunkEnd(left: left - 1, bulk: bulk)
            case .trailers(let lineLength, let bulk):
                let byte = bytes[i]
                i += 1
                if !bulk { keep = i }
                if byte == 0x0a {
                    if lineLength == 0 {
                        state = .head
                        head.removeAll(keepingCapacity: true)
                    } else {
                        state = .trailers(lineLength: 0, bulk: bulk)
                    }
                } else if byte != 0x0d {
                    state = .trailers(lineLength: lineLength + 1, bulk: bulk)
                }
            case .untilClose(let bulk):
                return bulk ? keep : n
            }
        }
        return keep
    }

    /// Whether `head` holds a start line and ends with its empty line (CRLF or bare LF, as the
    /// decoder accepts); blank lines before a start line (RFC 9112 2.2) do not end it.
    private func endsHead() -> Bool {
        guard let last = head.last, last == 0x0a else { return false }
        var end = head.count - 1
        if end > 0, head[end - 1] == 0x0d { end -= 1 }
        guard end > 0, head[end - 1] == 0x0a else { return false }
        return head.contains { $0 != 0x0d && $0 != 0x0a }
    }

    /// The head is complete: decide how the body is framed and whether it is bulk.
    private mutating func startBody(requests: inout RequestQueue) {
        defer { head.removeAll(keepingCapacity: true) }
        // Blank lines before a start line (RFC 9112 2.2) are dropped in place: `HTTPHead.parse`
        // takes an array, and `head` itself is passed when there are none (the usual case).
        if let from = head.firstIndex(where: { $0 != 0x0d && $0 != 0x0a }), from > 0 { head.removeSubrange(..<from) }
        let isResponse = head.starts(with: [0x48, 0x54, 0x54, 0x50, 0x2f])  // "HTTP/"
            || head.starts(with: [0x68, 0x74, 0x74, 0x70, 0x2f])  // "http/", read leniently
        guard let parsed = HTTPHead.parse(head, isRequest: !isResponse) else {
            state = .opaque
            return
        }
        let octetStream = parsed.field("content-type").map(Self.isOctetStream) ?? false
        var bulk = false
        var method: String?
        if parsed.isRequest {
            // The decoder's own reading of the target (absolute form, fragment), so both apply the
            // bulk-request rule to the same path.
            let path = HTTPRequest.splitTarget(parsed.target).path
            bulk = octetStream || bulkRequest(parsed.method, path)
            requests.push(method: parsed.method)
        } else {
            if (100..<200).contains(parsed.status) { // 1xx: the real response follows, for the same request
                state = .head
                return
            }
            method = requests.pop()
            // A binary download is bulk, but only when the request was seen: a HEAD
            // response announcing a length must not make the next response "body".
            bulk = method != nil && octetStream
        }
        switch parsed.bodyFraming(bodyless: method == "HEAD").framing {
        case .none:
            state = .head
        case .length(let length):
            state = length == 0 ? .head : .body(remaining: Int64(length), bulk: bulk)
        case .chunked:
            state = .chunkSize(bulk: bulk)
            line.removeAll(keepingCapacity: true)
        case .untilClose:
            state = .untilClose(bulk: bulk)
        case .tunnel, .unframeable:
            state = .opaque
        }
    }

    /// Whether a `Content-Type` value is `application/octet-stream` (parameters aside), compared
    /// ASCII case-insensitively (RFC 9110 8.3.1) without building a lowered copy.
    static func isOctetStream(_ contentType: String) -> Bool {
        ASCIICase.hasPrefix(contentType.utf8, lowercased: octetStream)
    }

    private static let octetStream = Array("application/octet-stream".utf8)

    private static func plausible(_ head: [UInt8]) -> Bool {
        let from = head.firstIndex { $0 != 0x0d && $0 != 0x0a } ?? head.count
        return head.withUnsafeBytes { startsMessage(UnsafeRawBufferPointer(rebasing: $0[from...])) }
            || head.count - from < 4
    }

    /// Whether the bytes being read now belong to a bulk body.
    var inBulkBody: Bool {
        switch state {
        case .body(_, let bulk), .chunkSize(let bulk), .chunkData(_, let bulk), .chunkEnd(_, let bulk),
             .trailers(_, let bulk), .untilClose(let bulk):
            return bulk
        case .opaque, .head:
            return false
        }
    }

    /// The bulk body's remaining length when it is framed by Content-Length (for gap handling).
    var bulkBodyRemaining: Int64? {
        if case .body(let remaining, true) = state { return remaining }
        return nil
    }

    /// Skips `count` bytes of a bulk Content-Length body that were not seen (a capture gap).
    mutating func skipBulk(_ count: Int64) {
        guard case .body(let remaining, true) = state, count <= remaining else {
            state = .opaque
            return
        }
        state = remaining == count ? .head : .body(remaining: remaining - count, bulk: true)
        if case .head = state { head.removeAll(keepingCapacity: true) }
    }
}

/// Methods of requests whose responses have not been parsed yet (pipelining-safe, bounded).
struct RequestQueue {
    private var methods: [String] = []
    mutating func push(method: String) {
        if methods.count >= 64 { methods.removeFirst() }
        methods.append(method)
    }
    mutating func pop() -> String? { methods.isEmpty ? nil : methods.removeFirst() }
}
