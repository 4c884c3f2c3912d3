/// Whether a TLS connection's records may be read as HTTP/1.1 exchanges, from what its handshake
/// said in the clear: only HTTP/1.1 alternates requests and responses (HTTP/2 multiplexes them,
/// and other protocols have their own rhythm).
package enum HTTP1OverTLS {
    /// - Parameters:
    ///   - offeredALPN: the ClientHello's ALPN list.
    ///   - negotiatedALPN: the server's choice, when in the clear (TLS 1.2 ServerHello).
    ///   - httpPort: the server port is one HTTP is known to be served on.
    /// - Returns: the verdict, and why, for the evidence.
    package static func verdict(offeredALPN: [String], negotiatedALPN: String?, httpPort: Bool) -> (inferable: Bool, reason: String) {
        if let negotiated = negotiatedALPN {
            return negotiated == "http/1.1" ? (true, "the server chose ALPN http/1.1")
                : (false, "the server chose ALPN \(negotiated), not HTTP/1.1")
        }
        if offeredALPN.isEmpty {
            return httpPort ? (true, "no ALPN offered; the port serves HTTP/1.1")
                : (false, "no ALPN offered and the port is not a known HTTP port")
        }
        guard offeredALPN.contains("http/1.1") else {
            return (false, "the client offered ALPN \(offeredALPN.joined(separator: ", ")), not HTTP/1.1")
        }
        if offeredALPN.contains("h2") {
            return httpPort ? (true, "the client offered h2 and http/1.1 and the server's choice is encrypted: read as HTTP/1.1 on this HTTP port")
                : (false, "the client offered h2 and http/1.1 and the server's choice is encrypted")
        }
        return (true, "the client offered ALPN http/1.1 only")
    }
}
