import HTTPDecoding

/// An exchange as a person reads it when opening it in a report: each half's start line, its
/// header fields (secrets already masked by the decoder) and its body text (masked, cut at
/// `bodyLimit` bytes), like Wireshark's "Follow HTTP Stream" but never with a secret in it.
///
/// Kept as two texts rather than structured fields: the reports only show them, and a few
/// kilobytes per exchange is what a request costs in the fact store.
package struct HTTPMessageTexts: Sendable, Equatable {
    /// Request line, header fields, a blank line and the body (or a line saying what it was).
    package var request: String?
    /// Status line, header fields, a blank line and the body (or a line saying what it was).
    package var response: String?

    /// Body bytes shown per message: enough for Glance's and Keystone's JSON documents to be
    /// read, not a service catalogue of a large cloud in every exchange.
    package static let bodyLimit = 4096

    /// The texts as given (tests, the fact store's decoder).
    package init(request: String?, response: String?) {
        self.request = request
        self.response = response
    }

    /// The texts of a decoded exchange.
    package init(exchange: borrowing HTTPExchange) {
        request = exchange.request.map { request in
            HTTPMessageTexts.message(startLine: "\(request.method) \(request.target) \(request.version)",
                                     headers: request.headers, trailers: request.trailers, body: request.body,
                                     complete: request.isComplete)
        }
        response = exchange.response.map { response in
            var startLine = "\(response.version) \(response.status)"
            if !response.reason.isEmpty { startLine += " \(response.reason)" }
            let interim = response.interim.map { "\($0.status) \($0.reason) (interim)" }
            return HTTPMessageTexts.message(startLine: startLine, headers: response.headers, trailers: response.trailers,
                                            body: response.body, complete: response.isComplete, before: interim)
        }
    }

    static func message(startLine: String, headers: [HTTPHeader], trailers: [HTTPHeader], body: HTTPBody,
                        complete: Bool, before: [String] = []) -> String {
        // One buffer, the lines joined by newlines as they come, without an array of them per
        // exchange: each line but the first starts with its newline.
        // Read once: each read of a body's text masks it again (`HTTPBody.text`).
        let bodyText = body.text
        var out = ""
        out.reserveCapacity(256 &+ headers.count &* 48 &+ min(bodyText?.utf8.count ?? 0, bodyLimit))
        for line in before { out += line; out += "\n" }
        out += startLine
        for header in headers { out += "\n"; out += header.name; out += ": "; out += header.value }
        out += "\n"
        if let text = bodyText {
            let shown = capped(text)
            out += "\n"; out += shown
            if shown.utf8.count < text.utf8.count || body.isTruncated {
                out += "\n[… body cut: \(body.decodedByteCount ?? body.byteCount) bytes in all, \(shown.utf8.count) shown]"
            }
        } else if !body.isEmpty {
            out += "\n[\(body.byteCount) body bytes"
            if let type = body.contentType { out += ", "; out += type }
            switch body.disposition {
            case .hashed: out += ", image data: hashed, not kept"
            case .counted: out += ", not kept"
            case .kept, .none: out += ", not text"
            }
            if body.missingBytes > 0 { out += ", \(body.missingBytes) bytes missing from the capture" }
            out += "]"
        }
        for trailer in trailers { out += "\n"; out += trailer.name; out += ": "; out += trailer.value }
        if !complete { out += "\n[message incomplete in the capture]" }
        return out
    }

    /// The first `bodyLimit` bytes of `text`, cut before a UTF-8 continuation byte.
    static func capped(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.count > bodyLimit else { return text }
        var end = utf8.index(utf8.startIndex, offsetBy: bodyLimit)
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(Substring(utf8[utf8.startIndex..<end]))
    }
}
