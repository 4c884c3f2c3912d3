/// One HTTP exchange as the leg joiner sees it: what a proxy keeps when it forwards a request
/// (method, target, bodies, status, the server's request id) and what it adds (forwarding headers).
///
/// Anything may be unknown (nil): an exchange inferred from encrypted TLS records knows its times
/// and sizes but not its method or target, and a leg cut by the capture has no response. Unknown
/// facts neither join nor separate two legs; known ones that differ always separate them.
package struct ExchangeLeg: Sendable, Hashable {
    /// Request start and exchange end, in nanoseconds on the capture's clock.
    package var start: Int64
    package var end: Int64
    /// The TCP connection (reassembler index) it travelled on.
    package var connection: Int
    package var client: LegAddress?
    package var server: LegAddress?
    /// Carried in TLS (decrypted or inferred).
    package var tls: Bool
    package var method: String?
    /// The request target as sent (path and query).
    package var target: String?
    package var status: Int?
    /// Request body bytes after chunk framing; nil unless the body was seen whole.
    package var requestBodyBytes: Int?
    /// Response body bytes after chunk framing; nil unless seen whole and not content-encoded
    /// (a proxy that compresses changes the size).
    package var responseBodyBytes: Int?
    /// Sizes of the request and response on the wire (head and body), or of the plaintext of an
    /// inferred exchange's records: compared loosely, since a proxy rewrites some headers.
    package var requestBytes: Int?
    package var responseBytes: Int?
    /// The server's request id (`X-Openstack-Request-Id`): a proxy passes it back unchanged.
    package var requestID: String?
    /// The `Host` header.
    package var host: String?
    package var forwarding: ForwardingHeaders

    package init(start: Int64, end: Int64, connection: Int, client: LegAddress?, server: LegAddress?, tls: Bool = false,
                method: String?, target: String?, status: Int?, requestBodyBytes: Int? = nil, responseBodyBytes: Int? = nil,
                requestBytes: Int? = nil, responseBytes: Int? = nil, requestID: String? = nil, host: String? = nil,
                forwarding: ForwardingHeaders = ForwardingHeaders()) {
        self.start = start
        self.end = end
        self.connection = connection
        self.client = client
        self.server = server
        self.tls = tls
        self.method = method
        self.target = target
        self.status = status
        self.requestBodyBytes = requestBodyBytes
        self.responseBodyBytes = responseBodyBytes
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        self.requestID = requestID
        self.host = host
        self.forwarding = forwarding
    }

    /// True when the request line is unknown (an exchange inferred from encrypted records).
    package var isInferred: Bool { method == nil || target == nil }
}
