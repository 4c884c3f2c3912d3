import CaptureIO
import Reassembly

/// Bytes the capture's snap length cut (`tcpdump -s`, `split --slim`): they were on the wire, so
/// framing goes on over them as over received bytes, and nothing is reported as lost. Hashes and
/// kept text stop there (the bytes are not known); a head that was cut is parsed as far as it goes.
extension HTTPStreamParser {
    mutating func notCaptured<D: HTTPStreamParserDelegate>(_ count: Int, at time: Timestamp, delegate: D) {
        guard count > 0 else { return }
        switch state {
        case .fixedBody(let remaining):
            let cut = min(remaining, count)
            delegate.parserDidNotCaptureBody(cut, direction: direction, at: time)
            messageWireBytes &+= cut
            if cut == remaining {
                endMessage(at: time, delegate: delegate)
                // A message starting inside the cut is lost to the capture: look for the next one.
                if count > cut { skipUncaptured(at: time) }
            } else {
                state = .fixedBody(remaining: remaining - cut)
            }
        case .chunkData(let remaining) where count <= remaining:
            delegate.parserDidNotCaptureBody(count, direction: direction, at: time)
            messageWireBytes &+= count
            state = count == remaining ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - count)
        case .untilClose:
            delegate.parserDidNotCaptureBody(count, direction: direction, at: time)
            messageWireBytes &+= count
        case .tunnel:
            tunnelBytes &+= count
        case .idle:
            skipUncaptured(at: time)
        case .resync:
            if bodyAwaitingResync || cutMessageOpen {
                delegate.parserDidNotCaptureBody(count, direction: direction, at: time)
                messageWireBytes &+= count
                if cutMessageOpen || chunkFramingCut { cutMessageEnd = time }
            }
            resyncCollecting = true
            resyncAfterCRLF = false
            lineBuffer.removeAll(keepingCapacity: true)
        case .head:
            cutHead(count, at: time, delegate: delegate)
        case .chunkData, .chunkSize, .chunkDataEnd, .trailers:
            // The cut took a chunk boundary: the body goes on, counted, until a chunk-size line
            // after a CRLF or the next start line (as after a gap, but nothing was lost).
            delegate.parserDidNotCaptureBody(count, direction: direction, at: time)
            messageWireBytes &+= count
            startResync(at: time, atLineStart: false)
            bodyAwaitingResync = true
            chunkFramingCut = true
            cutMessageEnd = time
        }
    }

    /// The start line and headers of the current head up to the cut are all there is: the message
    /// is reported from them, and stays open (its size unknown) until the next start line.
    private mutating func cutHead<D: HTTPStreamParserDelegate>(_ count: Int, at time: Timestamp, delegate: D) {
        let lines = lineBuffer.lastIndex(of: HTTPHead.lf).map { Array(lineBuffer[...$0]) } ?? []
        guard let head = HTTPHead.parse(lines, isRequest: isRequest) else {
            delegate.parserDidReport(.headNotCaptured,
                                     "a \(isRequest ? "request" : "response") head was cut by the snap length inside its start line "
                                        + "(\(count) bytes not captured); skipping to the next start line",
                                     direction: direction, at: time, inMessage: false)
            skipUncaptured(at: time)
            return
        }
        let captured = messageWireBytes
        let rule = delegate.parserDidParseHead(head, direction: direction, startedAt: messageStart,
                                               position: messageStartPosition, at: time)
        if rule == .tunnel {
            endMessage(at: time, delegate: delegate)
            state = .tunnel
            return
        }
        state = .fixedBody(remaining: 0)  // in the message, so that what follows attaches to it
        delegate.parserDidCutHead(capturedBytes: captured, notCaptured: count, direction: direction, at: time)
        messageWireBytes &+= count
        startResync(at: time, atLineStart: true)
        cutMessageOpen = true
        cutMessageEnd = time
    }

    /// Looks for the next start line without reporting what it skips: the capture lacks those
    /// bytes by design, not by loss.
    private mutating func skipUncaptured(at time: Timestamp) {
        startResync(at: time, atLineStart: true)
        resyncQuietly = true
    }

    /// Ends a message whose head was cut, at the last byte seen of it, before the start line that
    /// follows it (or at the end of the stream).
    mutating func endCutMessage<D: HTTPStreamParserDelegate>(skipped: Int, lastByteAt time: Timestamp, delegate: D) {
        delegate.parserDidCountUnframedBody(skipped, direction: direction)
        messageWireBytes &+= skipped
        cutMessageOpen = false
        endMessage(at: time, delegate: delegate)
    }
}
