import CaptureIO
import Reassembly

/// How the connection decoder wants a message's body treated, beyond what its head says.
enum HTTPBodyRule {
    /// Frame by the head (RFC 9112 6.3).
    case standard
    /// No body whatever the head says (response to HEAD).
    case noBody
    /// The stream stops being HTTP after this head (101 Switching Protocols, CONNECT 2xx).
    case tunnel
}

/// Events of one direction's parser.
protocol HTTPStreamParserDelegate: AnyObject {
    func parserDidParseHead(_ head: HTTPHead, direction: FlowDirection, startedAt: Timestamp, at time: Timestamp) -> HTTPBodyRule
    func parserDidReceiveBody(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection)
    func parserDidMissBody(_ count: Int, direction: FlowDirection)
    func parserDidParseTrailers(_ fields: [HTTPHeader], direction: FlowDirection)
    func parserDidEndMessage(direction: FlowDirection, at time: Timestamp, complete: Bool, wireBytes: Int)
    /// `inMessage` is true when the anomaly belongs to the message being parsed (head seen).
    func parserDidReport(_ kind: HTTPAnomaly.Kind, _ message: String, direction: FlowDirection, at time: Timestamp, inMessage: Bool)
}

/// Incremental HTTP/1.x message framing for one direction of a connection.
///
/// Fed whatever bytes arrived, in any split (one byte at a time gives the same events). Bodies are
/// passed on as slices of the input, never copied here. A gap inside a framed body is counted and
/// framing goes on; a gap anywhere framing is lost (head, chunk size, unknown state) makes the
/// parser resynchronise on the next plausible start line, as Zeek's analyzers do.
struct HTTPStreamParser {
    private enum State {
        /// Between messages; CR/LF here are skipped (RFC 9112 2.2).
        case idle
        /// Collecting a start line and headers into `lineBuffer`.
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// Expecting the CRLF after a chunk's data; `sawCR` once the CR came.
        case chunkDataEnd(sawCR: Bool)
        case trailers
        case untilClose
        case resync
        /// No longer HTTP (after an upgrade): counted only.
        case tunnel
    }

    let direction: FlowDirection
    private let isRequest: Bool
    private let maxHeaderBytes: Int
    private var state: State
    /// Head, chunk-size line or trailer bytes collected so far (capacity reused).
    private var lineBuffer: [UInt8] = []
    /// Length of the current line inside `lineBuffer`, CR excluded; 0 at a line start.
    private var currentLineLength = 0
    private var messageStart = Timestamp.zero
    private var messageWireBytes = 0
    private var messageIntact = true
    // Resynchronisation: whether the current line began at a line start and may be a start line.
    private var resyncCollecting = true
    private var resyncSkipped = 0
    private var resyncStart = Timestamp.zero
    private(set) var tunnelBytes = 0

    static let chunkLineLimit = 4096
    static let resyncLineLimit = 8192

    init(direction: FlowDirection, maxHeaderBytes: Int, startsInsideStream: Bool) {
        self.direction = direction
        isRequest = direction == .clientToServer
        self.maxHeaderBytes = max(64, maxHeaderBytes)
        state = startsInsideStream ? .resync : .idle
        lineBuffer.reserveCapacity(1024)
    }

    private var inMessage: Bool {
        switch state {
        case .idle, .head, .resync, .tunnel: return false
        default: return true
        }
    }

    /// Switches this direction to opaque counting (the other side agreed to an upgrade).
    mutating func enterTunnel() {
        state = .tunnel
    }

    // MARK: - Input

    mutating func feed<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, at time: Timestamp, delegate: D) {
        let count = buffer.count
        var i = 0
        while i < count {
            switch state {
            case .idle:
                let byte = buffer[i]
                if byte == HTTPHead.cr || byte == HTTPHead.lf {
                    i += 1
                    continue
                }
                if isPlausibleFirstByte(byte) {
                    beginHead(at: time)
                } else {
                    delegate.parserDidReport(.malformedStartLine, "a message cannot start with byte 0x\(Hex.string([byte]))",
                                             direction: direction, at: time, inMessage: false)
                    startResync(at: time, atLineStart: false)
                }
            case .head:
                i = consumeHead(buffer, from: i, at: time, delegate: delegate)
            case .fixedBody(let remaining):
                let n = min(remaining, count - i)
                delegate.parserDidReceiveBody(UnsafeRawBufferPointer(rebasing: buffer[i..<(i + n)]), direction: direction)
                i += n
                messageWireBytes &+= n
                if remaining - n == 0 {
                    endMessage(at: time, delegate: delegate)
                } else {
                    state = .fixedBody(remaining: remaining - n)
                }
            case .chunkData(let remaining):
                let n = min(remaining, count - i)
                delegate.parserDidReceiveBody(UnsafeRawBufferPointer(rebasing: buffer[i..<(i + n)]), direction: direction)
                i += n
                messageWireBytes &+= n
                state = remaining - n == 0 ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - n)
            case .chunkDataEnd(let sawCR):
                let byte = buffer[i]
                i += 1
                messageWireBytes &+= 1
                if byte == HTTPHead.lf {
                    state = .chunkSize
                    lineBuffer.removeAll(keepingCapacity: true)
                } else if byte == HTTPHead.cr && !sawCR {
                    state = .chunkDataEnd(sawCR: true)
                } else {
                    abandonMessage(.invalidChunk, "no CRLF after chunk data (byte 0x\(Hex.string([byte])))", at: time, delegate: delegate)
                }
            case .chunkSize:
                let byte = buffer[i]
                i += 1
                messageWireBytes &+= 1
                if byte == HTTPHead.lf {
                    chunkSizeLineEnded(at: time, delegate: delegate)
                } else if lineBuffer.count >= HTTPStreamParser.chunkLineLimit {
                    abandonMessage(.invalidChunk, "chunk-size line longer than \(HTTPStreamParser.chunkLineLimit) bytes", at: time, delegate: delegate)
                } else {
                    lineBuffer.append(byte)
                }
            case .trailers:
                i = consumeTrailers(buffer, from: i, at: time, delegate: delegate)
            case .untilClose:
                let n = count - i
                delegate.parserDidReceiveBody(UnsafeRawBufferPointer(rebasing: buffer[i..<count]), direction: direction)
                messageWireBytes &+= n
                i = count
            case .resync:
                i = consumeResync(buffer, from: i, at: time, delegate: delegate)
            case .tunnel:
                tunnelBytes &+= count - i
                i = count
            }
        }
    }

    /// `count` bytes of this direction are lost.
    mutating func gap<D: HTTPStreamParserDelegate>(_ count: Int, at time: Timestamp, delegate: D) {
        guard count > 0 else { return }
        switch state {
        case .fixedBody(let remaining):
            let lost = min(remaining, count)
            delegate.parserDidMissBody(lost, direction: direction)
            messageIntact = false
            if lost == remaining {
                endMessage(at: time, delegate: delegate)
                if count > lost { lostFraming(count - lost, at: time, delegate: delegate) }
            } else {
                state = .fixedBody(remaining: remaining - lost)
            }
        case .chunkData(let remaining) where count <= remaining:
            delegate.parserDidMissBody(count, direction: direction)
            messageIntact = false
            state = count == remaining ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - count)
        case .untilClose:
            delegate.parserDidMissBody(count, direction: direction)
            messageIntact = false
        case .tunnel:
            tunnelBytes &+= count
        case .idle:
            delegate.parserDidReport(.gapBetweenMessages, "\(count) bytes lost between messages; a message may be missing",
                                     direction: direction, at: time, inMessage: false)
            startResync(at: time, atLineStart: true)
        case .resync:
            resyncCollecting = true
            lineBuffer.removeAll(keepingCapacity: true)
        case .head:
            delegate.parserDidReport(.gapInHead, "\(count) bytes lost inside a \(isRequest ? "request" : "response") head; skipping to the next start line",
                                     direction: direction, at: time, inMessage: false)
            startResync(at: time, atLineStart: true)
        case .chunkData(let remaining):
            delegate.parserDidMissBody(remaining, direction: direction)
            messageIntact = false
            delegate.parserDidReport(.gapInBody, "\(count) bytes lost, beyond the current chunk: chunk framing lost",
                                     direction: direction, at: time, inMessage: true)
            endMessage(at: time, delegate: delegate)
            lostFraming(count - remaining, at: time, delegate: delegate)
        case .chunkSize, .chunkDataEnd, .trailers:
            delegate.parserDidReport(.gapInBody, "\(count) bytes lost in chunk framing", direction: direction, at: time, inMessage: true)
            messageIntact = false
            endMessage(at: time, delegate: delegate)
            lostFraming(count, at: time, delegate: delegate)
        }
    }

    /// The direction ended (FIN, or the connection closed).
    mutating func finish<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        switch state {
        case .untilClose:
            endMessage(at: time, delegate: delegate)
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            delegate.parserDidReport(.truncatedMessage, "stream ended inside a \(isRequest ? "request" : "response") body",
                                     direction: direction, at: time, inMessage: true)
            messageIntact = false
            endMessage(at: time, delegate: delegate)
        case .head:
            if !lineBuffer.isEmpty {
                delegate.parserDidReport(.truncatedMessage, "stream ended inside a \(isRequest ? "request" : "response") head (\(lineBuffer.count) bytes)",
                                         direction: direction, at: time, inMessage: false)
            }
            state = .idle
        case .resync:
            reportSkipped(at: time, delegate: delegate)
            state = .idle
        case .idle, .tunnel:
            break
        }
    }

    // MARK: - Head

    private func isPlausibleFirstByte(_ byte: UInt8) -> Bool {
        isRequest ? HTTPHead.isTokenCharacter(byte) : byte == UInt8(ascii: "H")
    }

    private mutating func beginHead(at time: Timestamp) {
        state = .head
        lineBuffer.removeAll(keepingCapacity: true)
        currentLineLength = 0
        messageStart = time
        messageWireBytes = 0
        messageIntact = true
    }

    /// Collects head bytes until the empty line; returns the index after what it consumed.
    private mutating func consumeHead<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, from start: Int,
                                                                  at time: Timestamp, delegate: D) -> Int {
        var i = start
        while i < buffer.count {
            let byte = buffer[i]
            i += 1
            if lineBuffer.count >= maxHeaderBytes {
                messageWireBytes &+= i - start
                delegate.parserDidReport(.headerTooLarge, "\(isRequest ? "request" : "response") head exceeds \(maxHeaderBytes) bytes",
                                         direction: direction, at: time, inMessage: false)
                startResync(at: time, atLineStart: false)
                return i
            }
            lineBuffer.append(byte)
            if byte == HTTPHead.lf {
                if currentLineLength == 0 {
                    messageWireBytes &+= i - start
                    headEnded(at: time, delegate: delegate)
                    return i
                }
                currentLineLength = 0
            } else if byte != HTTPHead.cr {
                currentLineLength += 1
            }
        }
        messageWireBytes &+= i - start
        return i
    }

    private mutating func headEnded<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        guard let head = HTTPHead.parse(lineBuffer, isRequest: isRequest) else {
            let firstLine = HTTPHead.splitLines(lineBuffer).first.map { HTTPHead.text($0.prefix(80)) } ?? ""
            delegate.parserDidReport(.malformedStartLine, "invalid \(isRequest ? "request" : "status") line \"\(firstLine)\"",
                                     direction: direction, at: time, inMessage: false)
            startResync(at: time, atLineStart: true)
            return
        }
        let rule = delegate.parserDidParseHead(head, direction: direction, startedAt: messageStart, at: time)
        state = .fixedBody(remaining: 0)  // "in message" while framing is decided, so anomalies attach to it
        for line in head.malformedLines {
            delegate.parserDidReport(.malformedHeader, "header line without a valid name: \"\(line)\"", direction: direction, at: time, inMessage: true)
        }
        switch framing(of: head, rule: rule, at: time, delegate: delegate) {
        case .none:
            endMessage(at: time, delegate: delegate)
        case .length(let length):
            if length == 0 { endMessage(at: time, delegate: delegate) } else { state = .fixedBody(remaining: length) }
        case .chunked:
            state = .chunkSize
            lineBuffer.removeAll(keepingCapacity: true)
        case .untilClose:
            state = .untilClose
        case .tunnel:
            endMessage(at: time, delegate: delegate)
            state = .tunnel
        case .unframeable:
            messageIntact = false
            endMessage(at: time, delegate: delegate)
            startResync(at: time, atLineStart: true)
        }
    }

    private enum Framing {
        case none, length(Int), chunked, untilClose, tunnel, unframeable
    }

    /// RFC 9112 6.3, message body length.
    private func framing<D: HTTPStreamParserDelegate>(of head: HTTPHead, rule: HTTPBodyRule, at time: Timestamp, delegate: D) -> Framing {
        if rule == .tunnel { return .tunnel }
        if !isRequest {
            if rule == .noBody || head.status < 200 || head.status == 204 || head.status == 304 { return .none }
        }
        let codings = head.listValues("transfer-encoding")
        if !codings.isEmpty {
            if head.field("content-length") != nil {
                delegate.parserDidReport(.invalidContentLength, "both Transfer-Encoding and Content-Length; Transfer-Encoding wins",
                                         direction: direction, at: time, inMessage: true)
            }
            if codings.last?.lowercased() == "chunked" { return .chunked }
            if !isRequest { return .untilClose }
            delegate.parserDidReport(.unsupportedTransferEncoding, "request Transfer-Encoding \"\(codings.joined(separator: ", "))\" does not end in chunked",
                                     direction: direction, at: time, inMessage: true)
            return .unframeable
        }
        let lengths = head.listValues("content-length")
        if lengths.isEmpty { return isRequest ? .none : .untilClose }
        var length: Int?
        for text in lengths {
            guard let value = HTTPStreamParser.decimal(text), length == nil || length == value else {
                delegate.parserDidReport(.invalidContentLength, "Content-Length \"\(lengths.joined(separator: ", "))\"",
                                         direction: direction, at: time, inMessage: true)
                return isRequest ? .unframeable : .untilClose
            }
            length = value
        }
        return .length(length ?? 0)
    }

    /// Digits only, at most 18 (no overflow).
    static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18 else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    // MARK: - Chunks and trailers

    private mutating func chunkSizeLineEnded<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        var size = 0
        var digits = 0
        var index = 0
        let line = lineBuffer
        while index < line.count {
            let byte = line[index]
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x41...0x46: digit = Int(byte - 0x41 + 10)
            case 0x61...0x66: digit = Int(byte - 0x61 + 10)
            default: digit = -1
            }
            if digit < 0 { break }
            digits += 1
            guard digits <= 15 else {
                abandonMessage(.invalidChunk, "chunk size too large", at: time, delegate: delegate)
                return
            }
            size = size << 4 | digit
            index += 1
        }
        // After the digits: optional whitespace, then extensions (";name=value") or nothing.
        var rest = index
        while rest < line.count, line[rest] == HTTPHead.space || line[rest] == HTTPHead.tab { rest += 1 }
        let tailOK = rest == line.count || line[rest] == UInt8(ascii: ";") || (rest == line.count - 1 && line[rest] == HTTPHead.cr)
        guard digits > 0, tailOK else {
            abandonMessage(.invalidChunk, "invalid chunk-size line \"\(HTTPHead.text(line.prefix(40)[...]))\"", at: time,
                           atLineStart: true, delegate: delegate)
            return
        }
        lineBuffer.removeAll(keepingCapacity: true)
        if size == 0 {
            state = .trailers
            currentLineLength = 0
        } else {
            state = .chunkData(remaining: size)
        }
    }

    private mutating func consumeTrailers<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, from start: Int,
                                                                      at time: Timestamp, delegate: D) -> Int {
        var i = start
        while i < buffer.count {
            let byte = buffer[i]
            i += 1
            messageWireBytes &+= 1
            if lineBuffer.count >= maxHeaderBytes {
                abandonMessage(.headerTooLarge, "trailers exceed \(maxHeaderBytes) bytes", at: time, delegate: delegate)
                return i
            }
            lineBuffer.append(byte)
            if byte == HTTPHead.lf {
                if currentLineLength == 0 {
                    var malformed: [String] = []
                    let fields = HTTPHead.parseFields(HTTPHead.splitLines(lineBuffer), malformed: &malformed)
                    if !fields.isEmpty { delegate.parserDidParseTrailers(fields, direction: direction) }
                    for line in malformed {
                        delegate.parserDidReport(.malformedHeader, "trailer line without a valid name: \"\(line)\"", direction: direction, at: time, inMessage: true)
                    }
                    endMessage(at: time, delegate: delegate)
                    return i
                }
                currentLineLength = 0
            } else if byte != HTTPHead.cr {
                currentLineLength += 1
            }
        }
        return i
    }

    // MARK: - Message end, loss of framing, resynchronisation

    private mutating func endMessage<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        state = .idle
        lineBuffer.removeAll(keepingCapacity: true)
        delegate.parserDidEndMessage(direction: direction, at: time, complete: messageIntact, wireBytes: messageWireBytes)
        messageWireBytes = 0
    }

    /// Framing broke inside a message: end it as incomplete and look for the next start line.
    private mutating func abandonMessage<D: HTTPStreamParserDelegate>(_ kind: HTTPAnomaly.Kind, _ message: String, at time: Timestamp,
                                                                     atLineStart: Bool = false, delegate: D) {
        delegate.parserDidReport(kind, message, direction: direction, at: time, inMessage: true)
        messageIntact = false
        endMessage(at: time, delegate: delegate)
        startResync(at: time, atLineStart: atLineStart)
    }

    /// Bytes were lost where framing cannot absorb them.
    private mutating func lostFraming<D: HTTPStreamParserDelegate>(_ count: Int, at time: Timestamp, delegate: D) {
        delegate.parserDidReport(.gapBetweenMessages, "\(count) bytes lost after a message end; a message may be missing",
                                 direction: direction, at: time, inMessage: false)
        startResync(at: time, atLineStart: true)
    }

    private mutating func startResync(at time: Timestamp, atLineStart: Bool) {
        state = .resync
        resyncCollecting = atLineStart
        resyncSkipped = 0
        resyncStart = time
        lineBuffer.removeAll(keepingCapacity: true)
    }

    private mutating func reportSkipped<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        guard resyncSkipped > 0 else { return }
        delegate.parserDidReport(.resynchronized, "skipped \(resyncSkipped) bytes looking for a \(isRequest ? "request" : "status") line",
                                 direction: direction, at: time, inMessage: false)
        resyncSkipped = 0
    }

    /// Collects the current line and, at each line end, looks for a start line inside it; returns
    /// the index after what it consumed.
    ///
    /// A message that follows a body does not begin at a line start (`...}HTTP/1.1 200 OK`), so the
    /// start line is searched anywhere in the line: a status line at any `HTTP/`, a request line at
    /// the line start or at a known method name.
    private mutating func consumeResync<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, from start: Int,
                                                                    at time: Timestamp, delegate: D) -> Int {
        var i = start
        let count = buffer.count
        while i < count {
            let byte = buffer[i]
            i += 1
            if lineBuffer.isEmpty { resyncStart = time }
            if lineBuffer.count >= HTTPStreamParser.resyncLineLimit {
                // Only a line's tail can hold a start line: keep the last half.
                lineBuffer.removeFirst(HTTPStreamParser.resyncLineLimit / 2)
                resyncCollecting = false
                resyncStart = time
            }
            lineBuffer.append(byte)
            guard byte == HTTPHead.lf else { continue }
            if let offset = startLineOffset(in: lineBuffer, lineStartTrusted: resyncCollecting) {
                // Everything consumed in resync except the start line was skipped.
                resyncSkipped &+= i - start
                resyncSkipped &-= lineBuffer.count - offset
                reportSkipped(at: time, delegate: delegate)
                let line = Array(lineBuffer[offset...])
                // The line began in this chunk or earlier: take the earlier time only if it began at the line start.
                let begin = offset == 0 ? resyncStart : (lineBuffer.count - offset <= i - start ? time : resyncStart)
                beginHead(at: begin)
                lineBuffer = line
                messageWireBytes = line.count
                return i
            }
            lineBuffer.removeAll(keepingCapacity: true)
            resyncCollecting = true
        }
        resyncSkipped &+= i - start
        return i
    }

    private static let knownMethods: [[UInt8]] = ["GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "PATCH ", "OPTIONS ",
                                                  "CONNECT ", "TRACE ", "COPY "].map { Array($0.utf8) }

    /// Offset of a start line ending at the end of `line` (which ends with LF), if any.
    private func startLineOffset(in line: [UInt8], lineStartTrusted: Bool) -> Int? {
        var end = line.count - 1
        if end > 0, line[end - 1] == HTTPHead.cr { end -= 1 }
        guard end >= 12 else { return nil }
        if isRequest {
            // Cheap filter: a request line ends with "HTTP/d.d".
            guard HTTPHead.isVersion(line[(end - 8)..<end]) else { return nil }
            if lineStartTrusted, HTTPHead.parseRequestLine(line[0..<end]) != nil { return 0 }
            var j = 0
            while j < end - 12 {
                let byte = line[j]
                if byte >= 0x41, byte <= 0x5A {
                    for method in HTTPStreamParser.knownMethods where method[0] == byte && j + method.count < end
                        && line[j..<(j + method.count)].elementsEqual(method) {
                        if HTTPHead.parseRequestLine(line[j..<end]) != nil { return j }
                    }
                }
                j += 1
            }
            return nil
        }
        var j = 0
        while j + 12 <= end {
            if line[j] == UInt8(ascii: "H"), HTTPHead.parseStatusLine(line[j..<end]) != nil { return j }
            j += 1
        }
        return nil
    }
}
