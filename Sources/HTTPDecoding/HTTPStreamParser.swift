import CaptureIO
import Reassembly

/// How the connection decoder wants a message's body treated, beyond what its head says.
enum HTTPBodyRule {
    /// Frame by the head (RFC 9112 6.3).
    case standard
    /// No body whatever the head says (response to HEAD; a request whose head announces none,
    /// as its delegate found reading the head's fields).
    case noBody
    /// The stream stops being HTTP after this head (101 Switching Protocols, CONNECT 2xx).
    case tunnel
}

/// Events of one direction's parser.
protocol HTTPStreamParserDelegate: AnyObject {
    /// `position` is where the head's first byte is in the stream, with what its segment acknowledged.
    func parserDidParseHead(_ head: HTTPHead, direction: FlowDirection, startedAt: Timestamp, position: StreamPosition,
                            at time: Timestamp) -> HTTPBodyRule
    func parserDidReceiveBody(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection)
    func parserDidMissBody(_ count: Int, direction: FlowDirection, at time: Timestamp)
    /// Body bytes the snap length cut: on the wire, not in the capture (no loss).
    func parserDidNotCaptureBody(_ count: Int, direction: FlowDirection, at time: Timestamp)
    /// The snap length cut the head just reported by `parserDidParseHead`, which holds the lines
    /// before the cut: `capturedBytes` of it were captured, `notCaptured` bytes follow unseen.
    func parserDidCutHead(capturedBytes: Int, notCaptured: Int, direction: FlowDirection, at time: Timestamp)
    /// Body bytes received while the chunk framing was lost: counted, never kept or hashed (a gap
    /// before them already voided both).
    func parserDidCountUnframedBody(_ count: Int, direction: FlowDirection)
    /// A gap took a chunk boundary with it: the parser now looks for the next chunk-size line.
    func parserDidLoseChunkFraming(direction: FlowDirection, at time: Timestamp)
    /// A chunk-size line after such a gap restored the framing.
    func parserDidFindChunkFraming(direction: FlowDirection)
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
    enum State {
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
    let isRequest: Bool
    let maxHeaderBytes: Int
    var state: State
    /// Head, chunk-size line or trailer bytes collected so far (capacity reused).
    var lineBuffer: [UInt8] = []
    /// Whether the current line inside `lineBuffer` holds a byte other than CR (a head's or the
    /// trailers' line without one is the empty line that ends them); false at a line start.
    var lineHasContent = false
    /// The last values of the fields this direction repeats (`HTTPRepeatedFieldValues`).
    var repeatedValues = HTTPRepeatedFieldValues()
    var messageStart = Timestamp.zero
    var messageWireBytes = 0
    var messageIntact = true
    // Resynchronisation: whether the current line began at a line start and may be a start line.
    var resyncCollecting = true
    var resyncSkipped = 0
    var resyncStart = Timestamp.zero
    /// Stream offset of the next byte fed (bytes and gaps so far).
    var nextOffset = 0
    /// The chunk being fed: its first byte's offset and its segment's acknowledgement.
    var chunk = StreamPosition(offset: 0)
    /// Where the current message's head began (offset and acknowledgement), like `messageStart`.
    var messageStartPosition = StreamPosition(offset: 0)
    /// Acknowledgement of the chunk in which the resync line began, like `resyncStart`.
    var resyncStartAcknowledged: Int?
    /// A chunked body lost its framing: bytes skipped while resynchronising belong to it.
    var bodyAwaitingResync = false
    /// In resync: the bytes just before the current line were CRLF (a chunk's data end).
    var resyncAfterCRLF = false
    /// In resync after bytes the snap length cut: what is skipped is not reported (not a loss).
    var resyncQuietly = false
    /// A message whose head the snap length cut is still open: bytes until the next start line
    /// are its own; `cutMessageEnd` is when the last of them came.
    var cutMessageOpen = false
    var cutMessageEnd = Timestamp.zero
    /// The chunk framing was lost to the snap length (not to a loss): the body ends at its last
    /// byte seen (`cutMessageEnd`), not when the next start line comes.
    var chunkFramingCut = false
    var tunnelBytes = 0

    static let chunkLineLimit = 4096
    static let resyncLineLimit = 8192

    init(direction: FlowDirection, maxHeaderBytes: Int, startsInsideStream: Bool) {
        self.direction = direction
        isRequest = direction == .clientToServer
        self.maxHeaderBytes = max(64, maxHeaderBytes)
        state = startsInsideStream ? .resync : .idle
    }

    var inMessage: Bool {
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

    /// `position` is the chunk's place in the connection when the reassembler gave it; without it
    /// the parser counts offsets itself and knows no acknowledgements.
    mutating func feed<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, at time: Timestamp,
                                                    position: StreamPosition? = nil, delegate: D) {
        let count = buffer.count
        chunk = StreamPosition(offset: position?.offset ?? nextOffset, peerAcknowledged: position?.peerAcknowledged)
        nextOffset = chunk.offset &+ count
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
                    beginHead(at: time, position: StreamPosition(offset: chunk.offset &+ i, peerAcknowledged: chunk.peerAcknowledged))
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
        nextOffset &+= count
        switch state {
        case .fixedBody(let remaining):
            let lost = min(remaining, count)
            delegate.parserDidMissBody(lost, direction: direction, at: time)
            messageIntact = false
            if lost == remaining {
                endMessage(at: time, delegate: delegate)
                if count > lost { lostFraming(count - lost, at: time, delegate: delegate) }
            } else {
                state = .fixedBody(remaining: remaining - lost)
            }
        case .chunkData(let remaining) where count <= remaining:
            delegate.parserDidMissBody(count, direction: direction, at: time)
            messageIntact = false
            state = count == remaining ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - count)
        case .untilClose:
            delegate.parserDidMissBody(count, direction: direction, at: time)
            messageIntact = false
        case .tunnel:
            tunnelBytes &+= count
        case .idle:
            delegate.parserDidReport(.gapBetweenMessages, "\(count) bytes lost between messages; a message may be missing",
                                     direction: direction, at: time, inMessage: false)
            startResync(at: time, atLineStart: true)
        case .resync:
            if bodyAwaitingResync || cutMessageOpen { delegate.parserDidMissBody(count, direction: direction, at: time) }
            // A loss may have taken a whole message: what is skipped now is worth reporting.
            resyncQuietly = false
            resyncCollecting = true
            resyncAfterCRLF = false
            lineBuffer.removeAll(keepingCapacity: true)
        case .head:
            delegate.parserDidReport(.gapInHead, "\(count) bytes lost inside a \(isRequest ? "request" : "response") head; skipping to the next start line",
                                     direction: direction, at: time, inMessage: false)
            startResync(at: time, atLineStart: true)
        case .chunkData, .chunkSize, .chunkDataEnd, .trailers:
            // The gap took a chunk boundary with it. The body goes on: its bytes are counted as
            // received until a chunk-size line right after a CRLF restores the framing (see
            // `consumeResync`), or a start line ends the message. A lossy capture of an upload
            // thus reports what it lost, not everything after its first lost boundary.
            delegate.parserDidLoseChunkFraming(direction: direction, at: time)
            messageIntact = false
            delegate.parserDidMissBody(count, direction: direction, at: time)
            startResync(at: time, atLineStart: false)
            bodyAwaitingResync = true
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
            leaveResync(lastByte: cutMessageEnd, next: time, at: time, delegate: delegate)
            state = .idle
        case .idle, .tunnel:
            break
        }
    }

    // MARK: - Head

    func isPlausibleFirstByte(_ byte: UInt8) -> Bool {
        isRequest ? HTTPHead.isTokenCharacter(byte) : byte == UInt8(ascii: "H") || byte == UInt8(ascii: "h")
    }

    mutating func beginHead(at time: Timestamp, position: StreamPosition) {
        messageStartPosition = position
        state = .head
        lineBuffer.removeAll(keepingCapacity: true)
        // Reserved at the first head, not per parser: a flood's servers never answer, and their
        // direction's buffer would be a kilobyte made and freed per connection for nothing.
        if lineBuffer.capacity < 1024 { lineBuffer.reserveCapacity(1024) }
        lineHasContent = false
        messageStart = time
        messageWireBytes = 0
        messageIntact = true
    }

    /// Collects head bytes until the empty line; returns the index after what it consumed.
    /// Each line's end is found with `memchr` and the bytes taken are copied once, when the head
    /// ends or the buffer does (a byte at a time and a copy per line were a tenth of an API
    /// call's decoding).
    mutating func consumeHead<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, from start: Int,
                                                                  at time: Timestamp, delegate: D) -> Int {
        let count = buffer.count
        guard start < count, let base = buffer.baseAddress else { return start }
        // Bytes kept from earlier buffers; those from `start` to `i` are this buffer's, not yet copied.
        let kept = lineBuffer.count
        var i = start
        var hasContent = lineHasContent
        while i < count {
            let room = maxHeaderBytes &- kept &- (i &- start)
            if room <= 0 {
                // The byte at `i` would go past the cap: it is consumed, not kept.
                lineBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<i]))
                i &+= 1
                messageWireBytes &+= i &- start
                delegate.parserDidReport(.headerTooLarge, "\(isRequest ? "request" : "response") head exceeds \(maxHeaderBytes) bytes",
                                         direction: direction, at: time, inMessage: false)
                startResync(at: time, atLineStart: false)
                return i
            }
            let limit = min(count, i &+ room)
            let j = HTTPHead.lineFeed(in: base, from: i, to: limit)
            if !hasContent {
                var k = i
                while k < j, buffer[k] == HTTPHead.cr { k &+= 1 }
                hasContent = k < j
            }
            guard j < limit else {
                i = j  // the buffer's end, or the cap's: the loop's next turn reports that
                continue
            }
            i = j &+ 1
            if !hasContent {
                lineHasContent = false
                messageWireBytes &+= i &- start
                if kept == 0 {
                    // The whole head is in this buffer (nearly always): parsed where it is, not
                    // copied to `lineBuffer` first.
                    let head = UnsafeRawBufferPointer(rebasing: buffer[start..<i])
                    head.withMemoryRebound(to: UInt8.self) { headEnded(in: $0, at: time, delegate: delegate) }
                } else {
                    lineBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<i]))
                    headEnded(at: time, delegate: delegate)
                }
                return i
            }
            hasContent = false
        }
        lineBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<i]))
        lineHasContent = hasContent
        messageWireBytes &+= i &- start
        return i
    }

    /// The head collected in `lineBuffer` is whole.
    mutating func headEnded<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        let isRequest = isRequest
        guard let head = lineBuffer.withUnsafeBufferPointer({ HTTPHead.parse($0, isRequest: isRequest, repeated: &repeatedValues) })
        else {
            let firstLine = lineBuffer.withUnsafeBufferPointer { HTTPStreamParser.firstLine(of: $0) }
            return refuseHead(firstLine: firstLine, at: time, delegate: delegate)
        }
        headParsed(head, at: time, delegate: delegate)
    }

    /// The head is whole in `bytes` (not in `lineBuffer`).
    mutating func headEnded<D: HTTPStreamParserDelegate>(in bytes: UnsafeBufferPointer<UInt8>, at time: Timestamp, delegate: D) {
        guard let head = HTTPHead.parse(bytes, isRequest: isRequest, repeated: &repeatedValues) else {
            return refuseHead(firstLine: HTTPStreamParser.firstLine(of: bytes), at: time, delegate: delegate)
        }
        headParsed(head, at: time, delegate: delegate)
    }

    /// The text of the first line of `bytes`, at most 80 bytes of it.
    private static func firstLine(of bytes: UnsafeBufferPointer<UInt8>) -> String {
        var lines = HTTPHead.LineCursor(bytes: bytes)
        return lines.next().map { HTTPHead.text(ArraySlice(UnsafeBufferPointer(rebasing: bytes[$0])).prefix(80)) } ?? ""
    }

    private mutating func refuseHead<D: HTTPStreamParserDelegate>(firstLine: String, at time: Timestamp, delegate: D) {
        delegate.parserDidReport(.malformedStartLine, "invalid \(isRequest ? "request" : "status") line \"\(firstLine)\"",
                                 direction: direction, at: time, inMessage: false)
        startResync(at: time, atLineStart: true)
    }

    private mutating func headParsed<D: HTTPStreamParserDelegate>(_ head: HTTPHead, at time: Timestamp, delegate: D) {
        let rule = delegate.parserDidParseHead(head, direction: direction, startedAt: messageStart,
                                               position: messageStartPosition, at: time)
        state = .fixedBody(remaining: 0)  // "in message" while framing is decided, so anomalies attach to it
        if let problem = head.startLineProblem {
            delegate.parserDidReport(.malformedStartLine, problem, direction: direction, at: time, inMessage: true)
        }
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

}
