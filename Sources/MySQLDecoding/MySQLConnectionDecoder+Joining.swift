import CaptureIO
import Reassembly

/// A connection whose SYN the capture lacks: it may still begin at its greeting or its login
/// (`tcpdump` started between the SYN and the greeting, or a pool connection opened while
/// the capture was starting), and then the connection phase is read as usual.
extension MySQLConnectionDecoder {
    /// Decides, at the connection's first bytes, where a connection joined without its SYN
    /// stands: at the server greeting, at the client's login (the greeting lost), or inside the
    /// command phase (the default set up by `init`).
    func join(at bytes: UnsafeRawBufferPointer, direction: FlowDirection) {
        joinPending = false
        switch direction {
        case .serverToClient where MySQLConnectionDecoder.isGreetingPacket(bytes):
            phase = .awaitingGreeting
            client.framer.scanner = nil
            server.restart()
        case .clientToServer where MySQLConnectionDecoder.isHandshakeResponsePacket(bytes):
            phase = .awaitingHandshakeResponse
            client.framer.scanner = nil
            // The server's next packets are the authentication exchange.
            server.restart()
        default:
            break
        }
    }

    /// A whole `Protocol::HandshakeV10` packet at the start of `bytes`: sequence 0, protocol 10,
    /// a printable NUL-terminated version and room for the thread id, scramble and capabilities.
    /// Stricter than `looksLikeServerGreeting`: mid-connection, a row packet whose sequence
    /// wrapped to 0 may start with byte 10 too.
    static func isGreetingPacket(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 5 else { return false }
        let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        guard bytes[3] == 0, bytes[4] == 10, length >= 20, length < 1024 else { return false }
        var index = 5
        while index < bytes.count, index < 5 + 64, bytes[index] != 0 {
            guard bytes[index] >= 0x20, bytes[index] < 0x7f else { return false }
            index += 1
        }
        guard index < bytes.count, bytes[index] == 0, index > 5 else { return false }
        // Thread id (4), scramble (8), filler (1), capabilities (2) follow the version.
        return length >= (index - 4) + 15
    }

    /// A `Protocol::HandshakeResponse41` at the start of `bytes`: sequence 1, CLIENT_PROTOCOL_41,
    /// and the 23-byte filler zero (MariaDB uses its last 4 bytes for extended capabilities).
    static func isHandshakeResponsePacket(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 + 33 else { return false }
        let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        guard bytes[3] == 1, length >= 33, length < 1 << 16 else { return false }
        let capabilities = UInt32(bytes[4]) | UInt32(bytes[5]) << 8
        guard capabilities & UInt32(MySQLCapabilities.protocol41.rawValue) != 0 else { return false }
        for index in (4 + 9)..<(4 + 28) where bytes[index] != 0 { return false }
        return true
    }

    /// The client logged in but the server's answer never came (the connection ended, or a gap
    /// took it): the login is reported as a `Connect` without a response, as an unanswered
    /// command is.
    func reportUnansweredLogin(note: String, at time: Timestamp?) {
        guard phase == .authenticating else { return }
        var record = loginRecord(start: greetingTime ?? loginTime ?? connection.firstSeen)
        record.isComplete = false
        record.notes.append(note)
        finish(MySQLPendingCommand(record: record), at: time)
    }
}
