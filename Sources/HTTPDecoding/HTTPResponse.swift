import CaptureIO

/// The response half of an exchange (the final, non-1xx response).
package struct HTTPResponse: Sendable, Hashable {
    /// `HTTP/1.1` or `HTTP/1.0`.
    package var version: String
    package var status: Int
    package var reason: String
    /// Header fields in wire order, secrets masked.
    package var headers: [HTTPHeader]
    /// Trailer fields of a chunked body, secrets masked.
    package var trailers: [HTTPHeader] = []
    package var body: HTTPBody
    /// True when the whole message was seen: framing intact and no bytes missing.
    package var isComplete: Bool
    /// Interim (1xx) responses that preceded this one, e.g. `100 Continue`.
    package var interim: [HTTPInterimResponse] = []

    package init(version: String, status: Int, reason: String, headers: [HTTPHeader],
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
package struct HTTPInterimResponse: Sendable, Hashable {
    package var status: Int
    package var reason: String
    /// Time of the packet carrying its first byte.
    package var time: Timestamp
    package init(status: Int, reason: String, time: Timestamp) {
        self.status = status
        self.reason = reason
        self.time = time
    }
}
