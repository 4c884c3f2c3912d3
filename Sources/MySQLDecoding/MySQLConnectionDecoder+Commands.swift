import ByteReading
import CaptureIO

/// Client packets: the connection phase, then one command per packet with sequence id 0.
extension MySQLConnectionDecoder {
    func clientPacket(_ packet: MySQLPacket) {
        switch phase {
        case .awaitingGreeting:
            // The client spoke first: the greeting was not captured; read commands.
            phase = .command
            commandPacket(packet)
        case .awaitingHandshakeResponse:
            loginTime = packet.start
            readHandshakeResponse(packet)
            if phase != .tls { phase = .authenticating }
        case .authenticating, .tls:
            // Auth responses (scrambles, passwords, RSA-encrypted data) are never read.
            return
        case .command:
            commandPacket(packet)
        }
    }

    private func commandPacket(_ packet: MySQLPacket) {
        if let infile = pending.first(where: { $0.phase == .localInfile }) {
            // LOAD DATA LOCAL INFILE: file content until an empty packet (sequence ids may wrap to 0).
            if packet.totalLength == 0 { infile.phase = .first } else { infile.record.result.localInfileBytes &+= packet.totalLength }
            return
        }
        guard packet.sequenceID == 0 else {
            // Auth data for COM_CHANGE_USER (never kept), or stray continuation.
            return
        }
        guard let byte = packet.payload.first else { return }
        let command = MySQLCommand(rawValue: byte)
        var record = newRecord(command: command, statement: "", statementBytes: 0, start: packet.start)
        // The record is moved in once complete, not copied twice (a hundred thousand commands).
        let entry = MySQLPendingCommand(record: MySQLConnectionDecoder.spentRecord)
        packet.withPayload { raw in
            var r = ByteReader(raw, offset: 1)
            switch command {
            case .query:
                skipQueryAttributes(&r)
                setStatementText(&record, from: raw, offset: r.readerIndex, packet: packet)
                entry.newDatabase = MySQLConnectionDecoder.useTarget(record.statement)
            case .stmtPrepare:
                setStatementText(&record, from: raw, offset: 1, packet: packet)
                entry.preparedText = record.statement
            case .stmtExecute:
                readExecute(&r, record: &record)
                entry.binaryRows = true
            case .stmtBulkExecute:
                readBulkExecute(&r, record: &record)
                entry.binaryRows = true
            case .stmtClose, .stmtReset:
                if let id = r.readUInt32() {
                    record.statementID = id
                    if command == .stmtClose { prepared[id] = nil } else { prepared[id]?.longData = [:] }
                }
            case .stmtSendLongData:
                readLongData(&r, record: &record)
            case .stmtFetch:
                if let id = r.readUInt32() {
                    record.statementID = id
                    entry.binaryRows = true
                    entry.currentSet.isBinary = true
                    entry.currentSet.columns = prepared[id]?.columns ?? []
                    entry.setOpen = true
                    entry.phase = .rows
                }
            case .initDB:
                setStatementText(&record, from: raw, offset: 1, packet: packet)
                entry.newDatabase = record.statement
            case .fieldList:
                let table = r.readNulTerminatedOrRest()
                record.statement = String(wire: table)
                record.statementBytes = table.count
                entry.phase = .fieldList
            case .processKill:
                if let id = r.readUInt32() { record.statement = String(id) }
            case .setOption:
                if let option = r.readUInt16() {
                    record.statement = option == 0 ? "MYSQL_OPTION_MULTI_STATEMENTS_ON"
                        : option == 1 ? "MYSQL_OPTION_MULTI_STATEMENTS_OFF" : "option \(option)"
                }
            case .changeUser:
                // user NUL, auth data (skipped, never kept), database NUL, ...
                if let user = r.readNulTerminated() {
                    entry.newUser = String(wire: user)
                    if let n = r.readByte(), r.skip(Int(n)), let db = r.readNulTerminated() {
                        entry.newDatabase = db.isEmpty ? nil : String(wire: db)
                    }
                    // As the general log shows it.
                    record.statement = "\(entry.newUser ?? "")@\(connection.client.address) on \(entry.newDatabase ?? "") using TCP/IP"
                }
            case .createDB, .dropDB:
                setStatementText(&record, from: raw, offset: 1, packet: packet)
            default:
                break
            }
        }
        entry.record = consume record
        if command.hasNoResponse {
            entry.record.end = packet.end
            finish(entry, at: packet.end)
        } else {
            enqueue(entry)
        }
    }

    /// Statement text from `offset` to the end of the packet, capped; notes a cut.
    private func setStatementText(_ record: inout MySQLCommandRecord, from raw: UnsafeRawBufferPointer, offset: Int,
                                  packet: MySQLPacket) {
        let start = min(max(offset, 0), raw.count)
        let kept = UnsafeRawBufferPointer(rebasing: raw[start...]).prefix(configuration.maxStatementBytes)
        record.statement = String(decoding: kept, as: UTF8.self)
        record.statementBytes = max(packet.totalLength &- start, 0)
        if record.statementBytes > kept.count {
            record.notes.append("statement cut to \(kept.count) of \(record.statementBytes) bytes")
        }
    }

    /// MySQL 8.0.23+ query attributes precede COM_QUERY's text when CLIENT_QUERY_ATTRIBUTES is on.
    private func skipQueryAttributes(_ r: inout ByteReader) {
        guard facts.negotiated.contains(.queryAttributes) else { return }
        guard let count = r.readLengthEncoded(), r.readLengthEncoded() != nil else { return }
        guard count > 0, count < 4096 else { return }
        let n = Int(count)
        guard let bitmap = r.readBytes((n &+ 7) / 8), r.readByte() == 1 else { return }
        var types: [(MySQLFieldType, Bool)] = []
        for _ in 0..<n {
            guard let t = r.readByte(), let f = r.readByte(), r.readLengthEncodedBytes() != nil else { return }
            types.append((MySQLFieldType(rawValue: t), f & 0x80 != 0))
        }
        for (i, t) in types.enumerated() where bitmap[i / 8] & (1 << UInt8(i % 8)) == 0 {
            guard MySQLBinaryValue.read(&r, type: t.0, unsigned: t.1, keep: 0) != nil else { return }
        }
    }

    /// `USE db` switches the default database once the server says OK.
    static func useTarget(_ statement: String) -> String? {
        // Every statement passes here: look at bytes, and build Strings only for a real USE.
        var bytes = statement.utf8.makeIterator()
        var first = bytes.next()
        while first == 0x20 || first == 0x0a || first == 0x09 { first = bytes.next() }
        guard let u = first, u | 0x20 == 0x75, let s = bytes.next(), s | 0x20 == 0x73,
              let e = bytes.next(), e | 0x20 == 0x65, bytes.next() == 0x20, bytes.next() != nil else { return nil }
        let trimmed = statement.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard trimmed.count > 4, trimmed.prefix(4).lowercased() == "use ",
              let name = trimmed.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }).first
        else { return nil }
        return String(name).trimmingBackquotes
    }
}

extension String {
    var trimmingBackquotes: String {
        if count >= 2, first == "`", last == "`" { return String(dropFirst().dropLast()) }
        return self
    }
}
