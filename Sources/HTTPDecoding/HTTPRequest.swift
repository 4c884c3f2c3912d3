/// The request half of an exchange.
public struct HTTPRequest: Sendable, Hashable {
    /// The method token as sent (`GET`, `PATCH`, ...).
    public var method: String
    /// The request target as sent: origin form (`/v2/images?limit=20`) or absolute form.
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// Header fields in wire order, secrets masked.
    public var headers: [HTTPHeader]
    /// Trailer fields of a chunked body, secrets masked.
    public var trailers: [HTTPHeader] = []
    public var body: HTTPBody
    /// True when the whole message was seen: framing intact and no bytes missing.
    public var isComplete: Bool

    public init(method: String, target: String, version: String, headers: [HTTPHeader],
                body: HTTPBody = HTTPBody(), isComplete: Bool = true) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.isComplete = isComplete
    }

    /// The path of the target, without scheme, authority or query (`/v2/images`).
    public var path: String { HTTPRequest.splitTarget(target).path }

    /// The query of the target without `?`, if any.
    public var query: String? { HTTPRequest.splitTarget(target).query }

    static func splitTarget(_ target: String) -> (path: String, query: String?) {
        // On UTF-8 bytes: the delimiters are ASCII, and a Character view would segment graphemes.
        let utf8 = target.utf8
        var start = utf8.startIndex
        // Absolute form (proxies): drop "scheme://authority". Origin form, the usual one,
        // starts with "/" and skips the search.
        if utf8.first != UInt8(ascii: "/"), let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
           utf8[colon...].starts(with: "://".utf8) {
            let authority = utf8.index(colon, offsetBy: 3)
            guard let slash = utf8[authority...].firstIndex(of: UInt8(ascii: "/")) else { return ("/", nil) }
            start = slash
        }
        var end = utf8[start...].firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex
        let mark = utf8[start..<end].firstIndex(of: UInt8(ascii: "?"))
        if let mark { end = mark }
        let path = String(Substring(utf8[start..<end]))
        guard let mark else { return (path, nil) }
        let queryEnd = utf8[mark...].firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex
        return (path, String(Substring(utf8[utf8.index(after: mark)..<queryEnd])))
    }
}
