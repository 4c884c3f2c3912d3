/// The request half of an exchange.
package struct HTTPRequest: Sendable, Hashable {
    /// The method token as sent (`GET`, `PATCH`, ...).
    package var method: String
    /// The request target as sent: origin form (`/v2/images?limit=20`) or absolute form.
    package var target: String {
        didSet { (path, query) = HTTPRequest.splitTarget(target) }
    }
    /// `HTTP/1.1` or `HTTP/1.0`.
    package var version: String
    /// Header fields in wire order, secrets masked.
    package var headers: [HTTPHeader]
    /// Trailer fields of a chunked body, secrets masked.
    package var trailers: [HTTPHeader] = []
    package var body: HTTPBody
    /// True when the whole message was seen: framing intact and no bytes missing.
    package var isComplete: Bool

    /// The path of the target, without scheme, authority or query (`/v2/images`).
    package private(set) var path: String

    /// The query of the target without `?`, if any.
    package private(set) var query: String?

    /// The path and query of a request target (origin or absolute form; `split --slim` asks too).
    package static func splitTarget(_ target: String) -> (path: String, query: String?) {
        var target = target
        // On UTF-8 bytes, scanned in place (every exchange's path is asked for): the delimiters
        // are ASCII, so cutting at them keeps the pieces valid UTF-8.
        return target.withUTF8 { bytes in
            let count = bytes.count
            func firstIndex(of byte: UInt8, in range: Range<Int>) -> Int? {
                var i = range.lowerBound
                while i < range.upperBound {
                    if bytes[i] == byte { return i }
                    i &+= 1
                }
                return nil
            }
            func text(_ range: Range<Int>) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            }
            var start = 0
            // Absolute form (proxies): drop "scheme://authority". Origin form, the usual one,
            // starts with "/" and skips the search.
            if bytes.first != UInt8(ascii: "/"), let colon = firstIndex(of: UInt8(ascii: ":"), in: 0..<count),
               count &- colon >= 3, bytes[colon &+ 1] == UInt8(ascii: "/"), bytes[colon &+ 2] == UInt8(ascii: "/") {
                guard let slash = firstIndex(of: UInt8(ascii: "/"), in: (colon &+ 3)..<count) else { return ("/", nil) }
                start = slash
            }
            // One pass to the first `?` or `#` (the path's end), then on to a `#` (the query's).
            var end = start
            while end < count, bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: "#") { end &+= 1 }
            let path = text(start..<end)
            guard end < count, bytes[end] == UInt8(ascii: "?") else { return (path, nil) }
            let queryEnd = firstIndex(of: UInt8(ascii: "#"), in: (end &+ 1)..<count) ?? count
            return (path, text((end &+ 1)..<queryEnd))
        }
    }
}

extension HTTPRequest {
    package init(method: String, target: String, version: String, headers: [HTTPHeader],
                body: HTTPBody = HTTPBody(), isComplete: Bool = true) {
        // Split once: the decoder's rules, the call's classification and its fact each ask.
        let (path, query) = HTTPRequest.splitTarget(target)
        // The memberwise initialiser in one expression (members in declaration order): set member
        // by member, the request was built aside and copied into `self`.
        self.init(method: method, target: target, version: version, headers: headers, trailers: [], body: body,
                  isComplete: isComplete, path: path, query: query)
    }
}
