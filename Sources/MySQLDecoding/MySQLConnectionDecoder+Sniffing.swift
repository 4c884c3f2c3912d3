import Reassembly

extension MySQLConnectionDecoder {
    /// Whether a connection's first payload is a MySQL/MariaDB server greeting, for content
    /// sniffing on ports that are not watched: the server speaks first, with a packet of
    /// sequence 0 whose first byte is protocol version 10 and whose length is a greeting's
    /// (well under 1 KiB).
    package static func looksLikeServerGreeting(_ firstPayload: UnsafeRawBufferPointer, direction: FlowDirection) -> Bool {
        guard direction == .serverToClient, firstPayload.count >= 5 else { return false }
        let length = Int(firstPayload[0]) | Int(firstPayload[1]) << 8 | Int(firstPayload[2]) << 16
        return firstPayload[3] == 0 && firstPayload[4] == 10 && length < 1024
    }
}

extension MySQLConnectionDecoder {
    /// Whether a connection's first payload looks like MySQL's command phase, for a followed port
    /// whose connection the capture joined after the greeting: from the client, whole command
    /// packets (sequence 0, a command byte, a length that fits, text commands' text printable);
    /// from the server, a response (sequence numbers counting up from 1, lengths that chain to
    /// the end of the segment, a first byte that starts an OK, ERR, EOF or a result set).
    package static func looksLikeCommandPhase(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection) -> Bool {
        direction == .clientToServer ? looksLikeCommands(bytes) : looksLikeResponse(bytes)
    }

    private static func packetLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
        guard index &+ 4 <= bytes.count else { return nil }
        return Int(bytes[index]) | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]) << 16
    }

    private static func looksLikeCommands(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var packets = 0
        while index < bytes.count {
            guard let length = packetLength(bytes, at: index), index + 4 < bytes.count else { return false }
            let command = bytes[index + 4]
            guard plausibleCommandHeader(length: UInt32(length), sequence: bytes[index + 3], command: command) else { return false }
            let end = index + 4 + length
            let available = min(end, bytes.count)
            if end > bytes.count {
                // A long statement continues in later segments: only a statement's text, in a
                // full-sized first segment (random binary data must not pass for a command).
                guard packets == 0, bytes.count >= 512,
                      command == MySQLCommand.query.rawValue || command == MySQLCommand.stmtPrepare.rawValue else { return false }
            }
            guard plausiblePayload(of: command, bytes, from: index + 5, to: available, length: length) else { return false }
            packets += 1
            index = end
        }
        return packets > 0
    }

    /// Text commands carry printable text (after MySQL 8's empty query-attribute prefix);
    /// COM_STMT_EXECUTE has its flags and an iteration count of 1.
    private static func plausiblePayload(of command: UInt8, _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
                                         length: Int) -> Bool {
        switch command {
        case MySQLCommand.query.rawValue, MySQLCommand.stmtPrepare.rawValue, MySQLCommand.initDB.rawValue,
             MySQLCommand.createDB.rawValue, MySQLCommand.dropDB.rawValue:
            var index = start
            if command == MySQLCommand.query.rawValue, index + 2 <= end, bytes[index] == 0, bytes[index + 1] == 1 { index += 2 }
            guard index < end else { return false }
            var checked = 0
            while index < end, checked < 256 {
                let byte = bytes[index]
                guard byte >= 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d else { return false }
                guard byte != 0x7f else { return false }
                index += 1
                checked += 1
            }
            return true
        case MySQLCommand.stmtExecute.rawValue:
            guard length >= 10, start + 9 <= end else { return false }
            return bytes[start + 4] <= 0x0f && bytes[start + 5] == 1 && bytes[start + 6] == 0 && bytes[start + 7] == 0
                && bytes[start + 8] == 0
        default:
            return true
        }
    }

    private static func looksLikeResponse(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let length = packetLength(bytes, at: 0), bytes.count > 4, bytes[3] != 0, length >= 1,
              4 + length <= bytes.count else { return false }
        let first = bytes[4]
        switch first {
        case 0x00: guard length >= 7 else { return false }
        case 0xff: guard length >= 9, bytes[7] == UInt8(ascii: "#") else { return false }
        case 0xfe: guard length == 5 || length == 7 else { return false }
        case 1...250: guard length == 1 else { return false }
        default: return false
        }
        var sequence = bytes[3]
        var index = 4 + length
        while index < bytes.count {
            // Later packets may run past the segment; their headers must still chain.
            guard let next = packetLength(bytes, at: index), bytes[index + 3] == sequence &+ 1 else { return false }
            sequence = bytes[index + 3]
            index += 4 + next
        }
        return true
    }
}
