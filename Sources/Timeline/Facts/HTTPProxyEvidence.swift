import HTTPDecoding
import LegJoining

/// What an exchange shows of a proxy that forwarded it, or of the request a proxy forwarded: the
/// facts `HTTPLegJoiner` compares between a front leg and its back leg, kept with the `HTTPFact`.
package struct HTTPProxyEvidence: Sendable, Hashable {
    /// The request target as sent (path and query).
    package var target: String?
    /// The request's `Host`.
    package var host: String?
    /// Each `X-Forwarded-For` value, in header order.
    package var xForwardedFor: [String] = []
    /// Each `Forwarded` (RFC 7239) value, in header order.
    package var forwarded: [String] = []
    /// Each `X-Forwarded-Proto` value, in header order.
    package var xForwardedProto: [String] = []
    /// Request bytes on the wire (head and body).
    package var requestWireBytes: Int?
    /// Response body bytes when the response was seen whole and not content-encoded.
    package var responseBodyBytes: Int?

    /// Evidence from its parts (tests, the fact store's decoder).
    package init(target: String? = nil, host: String? = nil, xForwardedFor: [String] = [], forwarded: [String] = [],
                xForwardedProto: [String] = [], requestWireBytes: Int? = nil, responseBodyBytes: Int? = nil) {
        self.target = target
        self.host = host
        self.xForwardedFor = xForwardedFor
        self.forwarded = forwarded
        self.xForwardedProto = xForwardedProto
        self.requestWireBytes = requestWireBytes
        self.responseBodyBytes = responseBodyBytes
    }

    /// The evidence a decoded exchange shows.
    package init(exchange: borrowing HTTPExchange) {
        // Read in place (no copy of the request or its headers): one per exchange.
        target = exchange.request?.target
        if let headers = exchange.request?.headers {
            // One pass: the first `Host`, every value of the forwarding fields, in header order.
            for header in headers {
                let name = header.name
                switch name.utf8.count {
                case 4 where host == nil && HTTPHeader.sameName(name, "Host"): host = header.value
                case 9 where HTTPHeader.sameName(name, "Forwarded"): forwarded.append(header.value)
                case 15 where HTTPHeader.sameName(name, "X-Forwarded-For"): xForwardedFor.append(header.value)
                case 17 where HTTPHeader.sameName(name, "X-Forwarded-Proto"): xForwardedProto.append(header.value)
                default: break
                }
            }
            requestWireBytes = exchange.requestWireBytes
        }
        if exchange.response?.isComplete == true, exchange.response?.headers.value(for: "Content-Encoding") == nil,
           let bytes = exchange.response?.body.byteCount {
            responseBodyBytes = bytes
        }
    }

    var forwarding: ForwardingHeaders {
        ForwardingHeaders(xForwardedFor: xForwardedFor, forwarded: forwarded, xForwardedProto: xForwardedProto)
    }

    static func decode(_ r: inout SpillReader) -> HTTPProxyEvidence? {
        guard let target = r.optionalString(), let host = r.optionalString(), let xff = r.strings(),
              let forwarded = r.strings(), let proto = r.strings(), let wire = r.optionalInt(),
              let body = r.optionalInt() else { return nil }
        return HTTPProxyEvidence(target: target, host: host, xForwardedFor: xff, forwarded: forwarded, xForwardedProto: proto,
                                 requestWireBytes: wire.map { Int(truncatingIfNeeded: $0) },
                                 responseBodyBytes: body.map { Int(truncatingIfNeeded: $0) })
    }
}
