import CaptureIO

/// SSLRequest: the connection phase goes on inside TLS.
///
/// After the client's 32-byte SSLRequest (sequence id 1) both sides run a TLS handshake, then
/// the client sends its HandshakeResponse41 (sequence id 2) encrypted, and authentication and
/// commands follow as usual. The outer decoder hands its raw bytes to `tlsConsumer`; a decoder
/// made with `init(continuing:)` reads the decrypted stream, starting at that response.
extension MySQLConnectionDecoder {
    /// A decoder for the plaintext inside TLS of a connection that sent an SSLRequest.
    ///
    /// It knows what the greeting said (server version, connection id, capabilities, auth
    /// plugin), expects the client's HandshakeResponse41 first, and marks every record it
    /// emits as TLS. Feed it the decrypted application data, gaps and close of the TLS layer:
    ///
    /// ```swift
    /// outer.onTLS = { outer in
    ///     outer.tlsConsumer = TLSConnectionDecoder(connection: outer.connection, keyLog: keyLog,
    ///                                              inner: MySQLConnectionDecoder(continuing: outer))
    /// }
    /// ```
    /// - Parameters:
    ///   - outer: the decoder of the TCP connection, after its SSLRequest.
    ///   - onCommand: where records go; nil sends them to `outer`'s handler.
    package convenience init(continuing outer: MySQLConnectionDecoder,
                            onCommand: ((MySQLCommandRecord) -> Void)? = nil) {
        self.init(connection: outer.connection, configuration: outer.configuration,
                  onCommand: onCommand ?? outer.onCommand)
        var facts = outer.facts
        facts.isTLS = true
        self.facts = facts
        greetingTime = outer.greetingTime
        phase = .awaitingHandshakeResponse
        joinPending = false
        // The outer decoder saw the greeting, so the inner stream starts on a packet boundary
        // even when the reassembler did not see the SYN.
        client.framer.scanner = nil
        client.restart()
        server.restart()
    }

    func startTLS() {
        facts.isTLS = true
        phase = .tls
        client.switchToPassthrough()
        server.switchToPassthrough()
        onTLS?(self)
    }
}
