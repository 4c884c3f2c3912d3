import CaptureIO
import Reassembly

/// Body framing (RFC 9112 6.3), chunked transfer coding and trailers.
extension HTTPStreamParser {
    typealias Framing = HTTPBodyFraming

    /// RFC 9112 6.3, message body length; the problems found are reported as anomalies.
    func framing<D: HTTPStreamParserDelegate>(of head: HTTPHead, rule: HTTPBodyRule, at time: Timestamp, delegate: D) -> Framing {
        if rule == .tunnel { return .tunnel }
        let decision = head.bodyFraming(bodyless: rule == .noBody)
        for (kind, message) in decision.problems {
            delegate.parserDidReport(kind, message, direction: direction, at: time, inMessage: true)
        }
        return decision.framing
    }

    /// Digits only, at most 18 (no overflow).
    static func decimal(_ text: String) -> Int? {
        decimal(text, trimmingBlanks: false)
    }

    /// `decimal(value[...].trimmingSpaces)`: digits only (at most 18) between optional spaces
    /// and tabs, or nil. A response's `Content-Length` is read so, without a trimmed copy.
    static func trimmedDecimal(_ value: String) -> Int? {
        decimal(value, trimmingBlanks: true)
    }

    /// The bytes read in place where the string has them contiguous (native and small strings;
    /// the view's iterator, and the mutable copy `withUTF8` needs, were most of it, twice a
    /// response).
    private static func decimal(_ text: String, trimmingBlanks: Bool) -> Int? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable({ decimal(in: $0, trimmingBlanks: trimmingBlanks) }) {
            return parsed
        }
        var copy = text
        return copy.withUTF8 { decimal(in: $0, trimmingBlanks: trimmingBlanks) }
    }

    private static func decimal(in bytes: UnsafeBufferPointer<UInt8>, trimmingBlanks: Bool) -> Int? {
        var start = 0, end = bytes.count
        if trimmingBlanks {
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start &+= 1 }
            while end > start, bytes[end &- 1] == 0x20 || bytes[end &- 1] == 0x09 { end &-= 1 }
        }
        guard end > start, end &- start <= 18 else { return nil }
        var number = 0
        for i in start..<end {
            let byte = bytes[i]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            number = number &* 10 &+ Int(byte &- 0x30)
        }
        return number
    }

    // MARK: - Chunks and trailers

    static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }

    mutating func chunkSizeLineEnded<D: HTTPStreamParserDelegate>(at time: Timestamp, delegate: D) {
        let line = lineBuffer
        let size: Int
        switch HTTPBodyFraming.chunkSizeLine(line) {
        case .size(let value):
            size = value
        case .tooLarge:
            abandonMessage(.invalidChunk, "chunk size too large", at: time, delegate: delegate)
            return
        case .invalid:
            abandonMessage(.invalidChunk, "invalid chunk-size line \"\(HTTPHead.text(line.prefix(40)[...]))\"", at: time,
                           atLineStart: true, delegate: delegate)
            return
        }
        lineBuffer.removeAll(keepingCapacity: true)
        if size == 0 {
            state = .trailers
            lineHasContent = false
        } else {
            state = .chunkData(remaining: size)
        }
    }

    mutating func consumeTrailers<D: HTTPStreamParserDelegate>(_ buffer: UnsafeRawBufferPointer, from start: Int,
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
                if !lineHasContent {
                    var malformed: [String] = []
                    let fields = HTTPHead.parseFields(HTTPHead.splitLines(lineBuffer)[...], malformed: &malformed)
                    if !fields.isEmpty { delegate.parserDidParseTrailers(fields, direction: direction) }
                    for line in malformed {
                        delegate.parserDidReport(.malformedHeader, "trailer line without a valid name: \"\(line)\"", direction: direction, at: time, inMessage: true)
                    }
                    endMessage(at: time, delegate: delegate)
                    return i
                }
                lineHasContent = false
            } else if byte != HTTPHead.cr {
                lineHasContent = true
            }
        }
        return i
    }
}
