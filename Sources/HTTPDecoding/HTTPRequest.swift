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
        var rest = Substring(target)
        // Absolute form (proxies): drop "scheme://authority". Origin form, the usual one,
        // starts with "/" and skips the search.
        if rest.first != "/", let colon = rest.firstIndex(of: ":"),
           rest[colon...].hasPrefix("://") {
            rest = rest[rest.index(colon, offsetBy: 3)...]
            if let slash = rest.firstIndex(of: "/") { rest = rest[slash...] } else { rest = "/" }
        }
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        guard let mark = rest.firstIndex(of: "?") else { return (String(rest), nil) }
        return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
    }
}
