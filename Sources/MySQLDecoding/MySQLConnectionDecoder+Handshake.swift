import ByteReading
import CaptureIO

/// The connection phase: greeting, SSLRequest, HandshakeResponse41, authentication exchange.
extension MySQLConnectionDecoder {
    /// `Protocol::HandshakeV10`. MariaDB clears CLIENT_MYSQL (bit 0) and puts its extended
    /// capabilities in the last 4 of the 10 reserved bytes.
    func readGreeting(_ packet: MySQLPacket) -> Bool {
        packet.withPayload { raw in
            var r = ByteReader(raw)
            guard r.readByte() == 10, let version = r.readNulTerminated(), version.count < 256,
                  let threadID = r.readUInt32(), r.skip(8), r.skip(1), let capLow = r.readUInt16() else { return false }
            facts.sawHandshake = true
            facts.serverVersion = String(wire: version)
            facts.connectionID = threadID
            var caps = UInt64(capLow)
            if let charset = r.readByte(), let status = r.readUInt16(), let capHigh = r.readUInt16(),
               let authLength = r.readByte() {
                facts.serverCharacterSet = charset
                facts.serverStatus = status
                caps |= UInt64(capHigh) << 16
                _ = r.skip(6)
                if let extended = r.readUInt32(), caps & 1 == 0 { caps |= UInt64(extended) << 32 }
                if caps & MySQLCapabilities.secureConnection.rawValue != 0 {
                    _ = r.skip(max(13, Int(authLength) &- 8))
                }
                if caps & MySQLCapabilities.pluginAuth.rawValue != 0 {
                    let plugin = r.readNulTerminatedOrRest()
                    if !plugin.isEmpty { facts.authPlugin = String(wire: plugin) }
                }
            }
            facts.serverCapabilities = MySQLCapabilities(rawValue: caps)
            return true
        }
    }

    /// SSLRequest (32 bytes with CLIENT_SSL) or `Protocol::HandshakeResponse41`.
    func readHandshakeResponse(_ packet: MySQLPacket) {
        packet.withPayload { raw in
            var r = ByteReader(raw)
            guard let flags = r.readUInt32(), r.skip(4), let charset = r.readByte() else { return }
            var caps = UInt64(flags)
            _ = r.skip(19)
            if let extended = r.readUInt32(), caps & 1 == 0 { caps |= UInt64(extended) << 32 }
            let capabilities = MySQLCapabilities(rawValue: caps)
            facts.clientCapabilities = capabilities
            // Without the greeting, the server granted what the client asked for (a client asks
            // only for what the greeting offered).
            if !facts.sawHandshake { facts.serverCapabilities = capabilities }
            facts.clientCharacterSet = charset
            if capabilities.contains(.ssl) && packet.totalLength == 32 && !facts.isTLS {
                startTLS()
                return
            }
            guard let user = r.readNulTerminated() else { return }
            facts.user = String(wire: user)
            // The auth response is skipped, never stored.
            if capabilities.contains(.pluginAuthLengthEncodedData) {
                guard let auth = r.readLengthEncodedBytes(), auth != nil else { return }
            } else if capabilities.contains(.secureConnection) {
                guard let n = r.readByte(), r.skip(Int(n)) else { return }
            } else {
                guard r.readNulTerminated() != nil else { return }
            }
            if capabilities.contains(.connectWithDB), let db = r.readNulTerminated() {
                if !db.isEmpty { facts.database = String(wire: db) }
            }
            if capabilities.contains(.pluginAuth), let plugin = r.readNulTerminated(), !plugin.isEmpty {
                facts.authPlugin = String(wire: plugin)
            }
            if capabilities.contains(.connectAttributes), let block = r.readLengthEncodedBytes(), let bytes = block {
                var a = ByteReader(bytes)
                while !a.isAtEnd, facts.clientAttributes.count < 64 {
                    guard let key = a.readLengthEncodedString(), let value = a.readLengthEncodedString() else { break }
                    facts.clientAttributes[key] = value
                }
            }
        }
        let negotiated = facts.negotiated
        deprecateEOF = negotiated.contains(.deprecateEOF)
        facts.isCompressed = negotiated.contains(.compress)
        facts.isZstdCompressed = negotiated.contains(.zstdCompression) && !facts.isCompressed
    }

    /// Server packets after the handshake response: OK, ERR, auth switch, more data.
    func authenticationPacket(_ packet: MySQLPacket) {
        guard let first = packet.payload.first else { return }
        switch first {
        case 0x00:
            facts.authenticated = true
            finishAuthentication(packet, result: okResult(packet))
        case 0xff:
            facts.authenticated = false
            var result = MySQLResult()
            packet.withPayload { raw in
                if let err = MySQLErrorPacket(raw) { apply(err, to: &result) }
            }
            finishAuthentication(packet, result: result)
        case 0xfe:
            // AuthSwitchRequest: plugin name, then plugin data (a scramble: skipped).
            packet.withPayload { raw in
                var r = ByteReader(raw, offset: 1)
                if let name = r.readNulTerminated(), !name.isEmpty { facts.authPlugin = String(wire: name) }
            }
        default:
            // 0x01 AuthMoreData (caching_sha2 fast-auth result, RSA key, ...): nothing to keep.
            break
        }
    }

    private func finishAuthentication(_ packet: MySQLPacket, result: MySQLResult) {
        phase = .command
        var record = loginRecord(start: greetingTime ?? loginTime ?? packet.start)
        record.end = packet.end
        record.result = result
        finish(MySQLPendingCommand(record: record), at: packet.end)
        if facts.isCompressed || facts.isZstdCompressed {
            let algorithm: MySQLDirectionStream.Compression = facts.isZstdCompressed ? .zstd : .zlib
            client.enableCompression(algorithm)
            server.enableCompression(algorithm)
        }
    }

    /// The `Connect` record of the login, as the general log words it (naming the transport).
    func loginRecord(start: Timestamp) -> MySQLCommandRecord {
        let host = connection.client.address.description
        let transport = facts.isTLS ? "SSL/TLS" : "TCP/IP"
        let statement = "\(facts.user ?? "")@\(host) on \(facts.database ?? "") using \(transport)"
        return newRecord(command: .connect, statement: statement, statementBytes: statement.utf8.count, start: start)
    }

    /// Builds a result from an OK packet.
    func okResult(_ packet: MySQLPacket) -> MySQLResult {
        var result = MySQLResult()
        packet.withPayload { raw in
            if let ok = MySQLOKPacket(raw, capabilities: facts.negotiated.union(assumedCapabilities)) { apply(ok, to: &result) }
        }
        return result
    }

    /// Without a captured handshake, assume what every current client negotiates.
    var assumedCapabilities: MySQLCapabilities { facts.sawHandshake ? [] : [.protocol41] }

    func apply(_ ok: MySQLOKPacket, to result: inout MySQLResult) {
        result.kind = .ok
        result.affectedRows = ok.affectedRows
        result.lastInsertID = ok.lastInsertID
        result.statusFlags = ok.status
        result.warnings = ok.warnings
        result.info = ok.info
        result.sessionStateChanges.append(contentsOf: ok.changes)
        for change in ok.changes where change.type == 1 && !change.value.isEmpty {
            facts.database = change.value
        }
    }

    func apply(_ err: MySQLErrorPacket, to result: inout MySQLResult) {
        result.kind = .error
        result.errorCode = err.code
        result.sqlState = err.sqlState
        result.message = err.message
    }
}
