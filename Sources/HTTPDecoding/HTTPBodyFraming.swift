/// How an HTTP/1.x message's body is delimited (RFC 9112 6.3).
///
/// One rule for the whole package: the decoder frames messages with it and `glancetrace split
/// --slim` finds body bytes with it, so both read a stream the same way.
package enum HTTPBodyFraming: Equatable, Sendable {
    /// No body (a request without length, 1xx/204/304, a response to HEAD).
    case none
    case length(Int)
    case chunked
    /// A response without length: the body ends when the connection closes.
    case untilClose
    /// After a 2xx to CONNECT or a 101: bytes that are not HTTP.
    case tunnel
    /// A request whose body length cannot be known: the stream must resynchronise.
    case unframeable
}

extension HTTPHead {
    /// The framing of the body that follows this head, and what is wrong with its headers.
    ///
    /// `bodyless`: the message has no body whatever its headers say (a response to HEAD; a
    /// request in whose fields the caller found neither `Content-Length` nor `Transfer-Encoding`,
    /// which this pass would find again).
    package func bodyFraming(bodyless: Bool) -> (framing: HTTPBodyFraming, problems: [(HTTPAnomaly.Kind, String)]) {
        if bodyless { return (.none, []) }
        // Status 0 is an unreadable code (`HTTP/1.0 2XX`): its headers frame it.
        if !isRequest, (100..<200).contains(status) || status == 204 || status == 304 { return (.none, []) }
        // One pass first: most heads (every GET) carry neither field, and need no three look-ups;
        // most others carry one Content-Length and no Transfer-Encoding, read from this pass.
        var contentLengths = 0, contentLength = 0, transferEncoding = false
        for (i, field) in fields.enumerated() {
            switch field.name.utf8.count {
            case 14 where HTTPHeader.sameName(field.name, "Content-Length"):
                contentLengths &+= 1
                contentLength = i
            case 17 where HTTPHeader.sameName(field.name, "Transfer-Encoding"):
                transferEncoding = true
            default:
                break
            }
        }
        if contentLengths == 0 && !transferEncoding { return (isRequest ? .none : .untilClose, []) }
        if contentLengths == 1 && !transferEncoding {
            // `soleValue("Content-Length")` without a second search; anything else as below.
            if let length = HTTPStreamParser.trimmedDecimal(fields[contentLength].value) {
                return (.length(length), [])
            }
        }
        var problems: [(HTTPAnomaly.Kind, String)] = []
        let codings = listValues("Transfer-Encoding")
        if !codings.isEmpty {
            if field("Content-Length") != nil {
                problems.append((.invalidContentLength, "both Transfer-Encoding and Content-Length; Transfer-Encoding wins"))
            }
            if codings.last?.lowercased() == "chunked" { return (.chunked, problems) }
            if !isRequest { return (.untilClose, problems) }
            problems.append((.unsupportedTransferEncoding,
                             "request Transfer-Encoding \"\(codings.joined(separator: ", "))\" does not end in chunked"))
            return (.unframeable, problems)
        }
        if let value = soleValue("Content-Length"), let length = HTTPStreamParser.decimal(value) {
            // The usual head: one Content-Length, one value (no list to build).
            return (.length(length), problems)
        }
        let lengths = listValues("Content-Length")
        if lengths.isEmpty { return (isRequest ? .none : .untilClose, problems) }
        var length: Int?
        for text in lengths {
            guard let value = HTTPStreamParser.decimal(text), length == nil || length == value else {
                problems.append((.invalidContentLength, "Content-Length \"\(lengths.joined(separator: ", "))\""))
                return (isRequest ? .unframeable : .untilClose, problems)
            }
            length = value
        }
        return (.length(length ?? 0), problems)
    }
}

extension HTTPBodyFraming {
    /// What a chunk-size line (without its LF) says (RFC 9112 7.1): hex digits, optional
    /// blanks, then extensions (`;name=value`) or nothing; a CR may end it.
    package enum ChunkSizeLine: Equatable {
        case size(Int)
        /// More than 15 hex digits: no body is that large.
        case tooLarge
        case invalid
    }

    package static func chunkSizeLine(_ line: [UInt8]) -> ChunkSizeLine {
        var size = 0
        var digits = 0
        var index = 0
        while index < line.count {
            guard let digit = HTTPStreamParser.hexDigit(line[index]) else { break }
            digits += 1
            guard digits <= 15 else { return .tooLarge }
            size = size << 4 | digit
            index += 1
        }
        var rest = index
        while rest < line.count, line[rest] == HTTPHead.space || line[rest] == HTTPHead.tab { rest += 1 }
        let tailOK = rest == line.count || line[rest] == UInt8(ascii: ";") || (rest == line.count - 1 && line[rest] == HTTPHead.cr)
        return digits > 0 && tailOK ? .size(size) : .invalid
    }
}
