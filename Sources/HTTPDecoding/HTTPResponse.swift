import CaptureIO

/// The response half of an exchange (the final, non-1xx response).
public struct HTTPResponse: Sendable, Hashable {
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    public var status: Int
    public var reason: String
    /// Header fields in wire order, secrets masked.
    public var headers: [HTTPHeader]
    /// Trailer fields of a chunked body, secrets masked.
    public var trailers: [HTTPHeader] = []
    public var body: HTTPBody
    /// True when the whole message was seen: framing intact and no bytes missing.
    public var isComplete: Bool
    /// Interim (1xx) responses that preceded this one, e.g. `100 Continue`.
    public var interim: [HTTPInterimResponse] = []

    public init(version: String, status: Int, reason: String, headers: [HTTPHeader],
                body: HTTPBody = HTTPBody(), isComplete: Bool = true) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.isComplete = isComplete
    }
}

/// A 1xx response seen before the final one.
public struct HTTPInterimResponse: Sendable, Hashable {
    public var status: Int
    public var reason: String
    /// Time of the packet carrying its first byte.
    public var time: Timestamp
    public init(status: Int, reason: String, time: Timestamp) {
        self.status = status
        self.reason = reason
        self.time = time
    }
}
