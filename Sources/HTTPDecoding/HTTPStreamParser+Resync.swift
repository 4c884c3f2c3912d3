import CaptureIO
import Reassembly

/// Message end, loss of framing and resynchronisation on the next start line.
extension HTTPStreamParser {
    // MARK: - Message end, loss of framing, resynchronisation

    mutating func endMessage<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        state = .idle
        lineBuffer.removeAll(keepingCapacity: true)
        delegate.parserDidEndMessage(direction: direction, at: time, complete: messageIntact, wireBytes: messageWireBytes)
        messageWireBytes = 0
    }

    /// Framing broke inside a message: end it as incomplete and look for the next start line.
    mutating func abandonMessage<D: HTTPStreamParserDelegate>(_ kind: HTTPAnomaly.Kind, _ message: String, at time: Timestamp,
                                                                     atLineStart: Bool = false, delegate: D) {
        delegate.parserDidReport(kind, message, direction: direction, at: time, inMessage: true)
        messageIntact = false
        endMessage(at: time, delegate: delegate)
        startResync(at: time, atLineStart: atLineStart)
    }

    /// Bytes were lost where framing cannot absorb them.
    mutating func lostFraming<D: HTTPStreamParserDelegate>(_ count: Int, at time: Timestamp, delegate: D) {
        delegate.parserDidReport(.gapBetweenMessages, "\(count) bytes lost after a message end; a message may be missing",
                                 direction: direction, at: time, inMessage: false)
        startResync(at: time, atLineStart: true)
    }

    mutating func startResync(at time: Timestamp, atLineStart: Bool) {
        state = .resync
        resyncCollecting = atLineStart
        resyncAfterCRLF = false
        resyncSkipped = 0
        resyncStart = time
        resyncQuietly = false
        cutMessageOpen = false
        chunkFramingCut = false
        lineBuffer.removeAll(keepingCapacity: true)
    }

    /// Resynchronisation ends (a start line found, or the stream ended): ends the message the snap
    /// length cut, whose last byte was seen at `lastByte`; counts the body bytes skipped for want of
    /// framing and ends that body at `lastByte` when its chunk framing was cut, else at `next`
    /// (when what follows begins); reports the bytes skipped.
    mutating func leaveResync<D: HTTPStreamParserDelegate>(lastByte: Timestamp, next: Timestamp, at time: Timestamp,
                                                                  delegate: D) {
        if cutMessageOpen {
            endCutMessage(skipped: resyncSkipped, lastByteAt: lastByte, delegate: delegate)
            resyncSkipped = 0
        }
        if bodyAwaitingResync {
            delegate.parserDidCountUnframedBody(resyncSkipped, direction: direction)
            messageWireBytes &+= resyncSkipped
            resyncSkipped = 0
            bodyAwaitingResync = false
            endMessage(at: chunkFramingCut ? lastByte : next, delegate: delegate)
        }
        reportSkipped(at: time, delegate: delegate)
    }

    mutating func reportSkipped<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        guard resyncSkipped > 0, !resyncQuietly else {
            resyncSkipped = 0
            return
        }
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
    mutating func consumeResync<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, from start: Int,
                                                                    at time: Timestamp, delegate: D) -> Int {
        var i = start
        let count = buffer.count
        while i < count {
            let byte = buffer[i]
            i += 1
            if lineBuffer.isEmpty {
                resyncStart = time
                resyncStartAcknowledged = chunk.peerAcknowledged
            }
            if lineBuffer.count >= HTTPStreamParser.resyncLineLimit {
                // Only a line's tail can hold a start line: keep the last half.
                lineBuffer.removeFirst(HTTPStreamParser.resyncLineLimit / 2)
                resyncCollecting = false
                resyncStart = time
            }
            lineBuffer.append(byte)
            guard byte == HTTPHead.lf else { continue }
            if bodyAwaitingResync, resyncAfterCRLF, let size = HTTPStreamParser.bareChunkSize(lineBuffer) {
                // "CRLF size CRLF" inside the body: a chunk's data end and the next chunk's size.
                // What came before it since the gap is the rest of the chunk the gap began in.
                let consumed = resyncSkipped &+ (i - start)
                delegate.parserDidCountUnframedBody(max(consumed &- lineBuffer.count &- 2, 0), direction: direction)
                delegate.parserDidFindChunkFraming(direction: direction)
                messageWireBytes &+= consumed
                resyncSkipped = 0
                bodyAwaitingResync = false
                chunkFramingCut = false
                lineBuffer.removeAll(keepingCapacity: true)
                state = .chunkData(remaining: size)
                return i
            }
            if let offset = startLineOffset(in: lineBuffer, lineStartTrusted: resyncCollecting) {
                // Everything consumed in resync except the start line was skipped.
                resyncSkipped &+= i - start
                resyncSkipped &-= lineBuffer.count - offset
                let line = Array(lineBuffer[offset...])
                // The line began in this chunk or earlier: take the earlier time only if it began at the line start.
                let begin = offset == 0 ? resyncStart : (lineBuffer.count - offset <= i - start ? time : resyncStart)
                let lineIndex = i &- (lineBuffer.count &- offset)
                let position = StreamPosition(offset: chunk.offset &+ lineIndex,
                                              peerAcknowledged: lineIndex >= 0 ? chunk.peerAcknowledged : resyncStartAcknowledged)
                // A message cut by the snap length ended with its last byte seen: skipped bytes of
                // this chunk before the start line, or the chunk before.
                let lastByte = (i - start) > lineBuffer.count - offset ? time : cutMessageEnd
                leaveResync(lastByte: lastByte, next: begin, at: time, delegate: delegate)
                beginHead(at: begin, position: position)
                lineBuffer = line
                messageWireBytes = line.count
                return i
            }
            resyncAfterCRLF = lineBuffer.count >= 2 && lineBuffer[lineBuffer.count - 2] == HTTPHead.cr
            lineBuffer.removeAll(keepingCapacity: true)
            resyncCollecting = true
        }
        resyncSkipped &+= i - start
        if cutMessageOpen || chunkFramingCut { cutMessageEnd = time }
        return i
    }

    /// The size of a chunk-size line without extensions (`1a2b` CRLF, LF included in `line`), if
    /// `line` is one and the size is not 0.
    ///
    /// Only used to find framing again after a gap, so it is strict: a last chunk (`0`) is left to
    /// the start-line search, and inside binary data "CRLF hex CRLF" comes by chance about once in
    /// 2^40 positions or less.
    static func bareChunkSize(_ line: [UInt8]) -> Int? {
        let digits = line.count - 2
        guard digits >= 1, digits <= 15, line[digits] == HTTPHead.cr else { return nil }
        var size = 0
        for byte in line[0..<digits] {
            guard let digit = hexDigit(byte) else { return nil }
            size = size << 4 | digit
        }
        return size > 0 ? size : nil
    }

    static let knownMethods: [[UInt8]] = ["GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "PATCH ", "OPTIONS ",
                                                  "CONNECT ", "TRACE ", "COPY "].map { Array($0.utf8) }

    /// Offset of a start line ending at the end of `line` (which ends with LF), if any.
    func startLineOffset(in line: [UInt8], lineStartTrusted: Bool) -> Int? {
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
