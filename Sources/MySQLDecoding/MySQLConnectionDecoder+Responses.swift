import ByteReading
import CaptureIO

/// Server packets: the pairing layer hands each one to the response state of the oldest
/// pending command.
extension MySQLConnectionDecoder {
    static let moreResultsExist: UInt16 = 0x0008
    static let cursorExists: UInt16 = 0x0040

    func serverPacket(_ packet: MySQLPacket) {
        switch phase {
        case .awaitingGreeting:
            greetingTime = packet.start
            if readGreeting(packet) {
                phase = .awaitingHandshakeResponse
            } else {
                // An ERR instead of a greeting (too many connections, host blocked), or not MySQL.
                phase = .command
                if packet.payload.first == 0xff {
                    var record = newRecord(command: .connect, statement: "", statementBytes: 0, start: packet.start)
                    record.end = packet.end
                    packet.withPayload { raw in
                        if let err = MySQLErrorPacket(raw) { apply(err, to: &record.result) }
                    }
                    finish(MySQLPendingCommand(record: record), at: packet.end)
                }
            }
        case .awaitingHandshakeResponse, .authenticating:
            authenticationPacket(packet)
        case .tls:
            return
        case .command:
            guard let command = pending.first else {
                unpairedServerPackets &+= 1
                return
            }
            let done = packet.withPayload { raw in
                step(command, raw, packet: packet)
            }
            if done {
                pending.removeFirst()
                completed(command)
                finish(command, at: packet.end)
            } else {
                command.record.end = packet.end
            }
        }
    }

    /// Side effects of a finished command on the connection's state.
    private func completed(_ command: MySQLPendingCommand) {
        let ok = command.record.result.kind != .error
        switch command.record.command {
        case .initDB, .query:
            if ok, let db = command.newDatabase { facts.database = db }
        case .changeUser:
            if ok {
                facts.user = command.newUser
                facts.database = command.newDatabase
                prepared.removeAll()
            }
        case .resetConnection:
            if ok { prepared.removeAll() }
        case .stmtPrepare:
            guard ok, let id = command.record.statementID else { return }
            if prepared.count >= MySQLConnectionDecoder.maxPreparedStatements, let any = prepared.keys.first {
                prepared[any] = nil
            }
            prepared[id] = MySQLPreparedStatement(text: command.preparedText ?? "",
                                                  parameterCount: command.prepareParameterCount,
                                                  columnCount: command.prepareColumns.count,
                                                  columns: command.prepareColumns)
            lastPreparedID = id
        case .stmtExecute:
            if let id = command.record.statementID, !command.currentSet.columns.isEmpty, ok {
                prepared[id]?.columns = command.currentSet.columns
            }
        default:
            break
        }
    }

    private var capabilitiesForOK: MySQLCapabilities { facts.negotiated.union(assumedCapabilities) }

    /// Advances `c` by one server packet; true when its response is complete.
    private func step(_ c: MySQLPendingCommand, _ raw: UnsafeRawBufferPointer, packet: MySQLPacket) -> Bool {
        guard let first = raw.first else { return c.phase == .first }
        let total = packet.totalLength
        let eofShaped = first == 0xfe && total < 9
        if first == 0xff, c.phase != .rows || total < 0xff_ffff {
            guard let err = MySQLErrorPacket(raw) else { return true }
            if err.isProgressReport { return false }
            apply(err, to: &c.record.result)
            return true
        }
        switch c.phase {
        case .first, .localInfile:
            return firstPacket(c, raw, first: first, total: total)
        case .authentication:
            if first == 0x00 {
                if let ok = MySQLOKPacket(raw, capabilities: capabilitiesForOK) { apply(ok, to: &c.record.result) }
                return true
            }
            return false
        case .columnDefinitions:
            // A text result's columns matter only with its rows (their names); binary rows need
            // the types to be read at all, and prepared statements remember them.
            if c.binaryRows || keepsRows(c), let column = MySQLColumn(definition: raw) { c.currentSet.columns.append(column) }
            c.columnsLeft &-= 1
            if c.columnsLeft <= 0 { c.phase = deprecateEOF == true ? .rows : .columnsEOF }
            return false
        case .columnsEOF:
            if eofShaped && (total == 5 || deprecateEOF == false) {
                deprecateEOF = false
                let eof = MySQLEOFPacket(raw)
                if eof.status & MySQLConnectionDecoder.cursorExists != 0 {
                    // A cursor was opened: rows come with COM_STMT_FETCH.
                    c.record.result.kind = .ok
                    c.record.result.statusFlags = eof.status
                    return true
                }
                c.phase = .rows
                return false
            }
            // No EOF after the columns: CLIENT_DEPRECATE_EOF is in force.
            deprecateEOF = true
            c.phase = .rows
            return rowPacket(c, raw, first: first, total: total)
        case .rows:
            return rowPacket(c, raw, first: first, total: total)
        case .prepareParameters:
            c.prepareParametersLeft &-= 1
            if c.prepareParametersLeft <= 0 { return afterPrepareParameters(c) }
            return false
        case .prepareParametersEOF:
            if eofShaped { return afterPrepareParametersEOF(c) }
            deprecateEOF = true
            c.phase = .prepareColumns
            return prepareColumn(c, raw)
        case .prepareColumns:
            return prepareColumn(c, raw)
        case .prepareColumnsEOF:
            if !eofShaped { deprecateEOF = true }
            return true
        case .fieldList:
            if eofShaped || first == 0xfe {
                c.record.result.kind = .ok
                return true
            }
            if let column = MySQLColumn(definition: raw) { c.currentSet.columns.append(column) }
            c.setOpen = true
            return false
        }
    }

    private func firstPacket(_ c: MySQLPendingCommand, _ raw: UnsafeRawBufferPointer, first: UInt8, total: Int) -> Bool {
        let command = c.record.command
        if command == .statistics {
            c.record.result.kind = .ok
            c.record.result.text = String(wire: raw)
            return true
        }
        switch first {
        case 0x00 where command == .stmtPrepare:
            var r = ByteReader(raw, offset: 1)
            guard let id = r.readUInt32(), let columns = r.readUInt16(), let params = r.readUInt16() else { return true }
            _ = r.skip(1)
            c.record.result.kind = .ok
            c.record.result.warnings = r.readUInt16()
            c.record.statementID = id
            c.record.result.preparedParameterCount = Int(params)
            c.record.result.preparedColumnCount = Int(columns)
            c.prepareParameterCount = Int(params)
            c.columnsLeft = Int(columns)
            if facts.negotiated.contains(.optionalResultsetMetadata), r.readByte() == 0 { c.columnsLeft = 0 }
            if params > 0 {
                c.prepareParametersLeft = Int(params)
                c.phase = .prepareParameters
                return false
            }
            return afterPrepareParametersEOF(c)
        case 0x00:
            guard let ok = MySQLOKPacket(raw, capabilities: capabilitiesForOK) else { return true }
            apply(ok, to: &c.record.result)
            if ok.status & MySQLConnectionDecoder.moreResultsExist != 0 { return false }
            return true
        case 0xfe where command == .changeUser, 0x01 where command == .changeUser:
            c.phase = .authentication
            return false
        case 0xfe where total < 9:
            // EOF answers COM_SET_OPTION, COM_DEBUG, COM_SHUTDOWN.
            let eof = MySQLEOFPacket(raw)
            c.record.result.kind = .ok
            c.record.result.statusFlags = eof.status
            c.record.result.warnings = eof.warnings
            return eof.status & MySQLConnectionDecoder.moreResultsExist == 0
        case 0xfb:
            c.record.result.localInfileName = String(wire: UnsafeRawBufferPointer(rebasing: raw[1...]))
            c.phase = .localInfile
            return false
        default:
            var r = ByteReader(raw)
            guard let count = r.readLengthEncoded(), count > 0, count <= 4096 else {
                c.record.notes.append("unexpected response packet (0x\(String(first, radix: 16)))")
                return true
            }
            c.currentSet = MySQLResultSet()
            c.currentSet.isBinary = c.binaryRows
            c.setOpen = true
            c.columnsLeft = Int(count)
            c.phase = .columnDefinitions
            // Column metadata may be left out: MySQL's optional metadata, MariaDB's cached
            // metadata for prepared statements (the client knows the columns).
            var metadataFollows = true
            if facts.negotiated.contains(.optionalResultsetMetadata) || (c.binaryRows && facts.negotiated.contains(.mariaDBCacheMetadata)) {
                metadataFollows = (r.readByte() ?? 1) != 0
            }
            if !metadataFollows {
                if let id = c.record.statementID, let known = prepared[id]?.columns { c.currentSet.columns = known }
                c.phase = deprecateEOF == true || facts.negotiated.contains(.mariaDBCacheMetadata) ? .rows : .columnsEOF
            }
            return false
        }
    }

    private func afterPrepareParameters(_ c: MySQLPendingCommand) -> Bool {
        if deprecateEOF == true { return afterPrepareParametersEOF(c) }
        c.phase = .prepareParametersEOF
        return false
    }

    private func afterPrepareParametersEOF(_ c: MySQLPendingCommand) -> Bool {
        if c.columnsLeft <= 0 { return true }
        c.phase = .prepareColumns
        return false
    }

    private func prepareColumn(_ c: MySQLPendingCommand, _ raw: UnsafeRawBufferPointer) -> Bool {
        if let column = MySQLColumn(definition: raw) { c.prepareColumns.append(column) }
        c.columnsLeft &-= 1
        if c.columnsLeft > 0 { return false }
        c.record.result.columns = c.prepareColumns
        if deprecateEOF == true { return true }
        c.phase = .prepareColumnsEOF
        return false
    }

    private func rowPacket(_ c: MySQLPendingCommand, _ raw: UnsafeRawBufferPointer, first: UInt8, total: Int) -> Bool {
        if first == 0xfe && (total < 9 || (deprecateEOF == true && total < 0xff_ffff)) {
            var status: UInt16 = 0
            if total > 5, let ok = MySQLOKPacket(raw, capabilities: capabilitiesForOK) {
                status = ok.status
                c.record.result.statusFlags = ok.status
                c.record.result.warnings = ok.warnings
                c.record.result.info = ok.info ?? c.record.result.info
            } else {
                let eof = MySQLEOFPacket(raw)
                status = eof.status
                c.record.result.statusFlags = eof.status
                c.record.result.warnings = eof.warnings
            }
            c.record.result.resultSets.append(c.currentSet)
            c.currentSet = MySQLResultSet()
            c.setOpen = false
            if status & MySQLConnectionDecoder.moreResultsExist != 0 {
                c.phase = .first
                return false
            }
            return true
        }
        c.currentSet.rowCount &+= 1
        if c.currentSet.keptRows.count < configuration.maxKeptRows, keepsRows(c) {
            if c.currentSet.keptRows.isEmpty { c.currentSet.keptRows.setColumns(c.currentSet.columns.map(\.name)) }
            if c.currentSet.isBinary {
                appendBinaryRow(raw, columns: c.currentSet.columns, to: &c.currentSet.keptRows)
            } else {
                appendTextRow(raw, columns: c.currentSet.columns, to: &c.currentSet.keptRows)
            }
        }
        return false
    }

    /// `configuration.keepsRows` for the command, asked once.
    private func keepsRows(_ c: MySQLPendingCommand) -> Bool {
        if let keeps = c.keepsRows { return keeps }
        let keeps = configuration.keepsRows(c.record.statement)
        c.keepsRows = keeps
        return keeps
    }

    /// Appends a text-protocol row (`ProtocolText::ResultsetRow`) to `rows`.
    private func appendTextRow(_ raw: UnsafeRawBufferPointer, columns: [MySQLColumn], to rows: inout MySQLRows) {
        var r = ByteReader(raw)
        var index = 0
        while !r.isAtEnd, index < max(columns.count, 1) || columns.isEmpty {
            guard let value = r.readLengthEncodedBytes() else {
                // Cut by the packet keep limit: the value shows what was kept.
                if r.readLengthEncoded() != nil {
                    rows.appendCutValue(UnsafeRawBufferPointer(rebasing: r.readRest().prefix(configuration.maxValueBytes)))
                }
                break
            }
            if let bytes = value {
                rows.appendValue(bytes, limit: configuration.maxValueBytes)
            } else {
                rows.appendNull()
            }
            index &+= 1
            if index >= 4096 { break }
        }
        rows.endRow()
    }

    /// Appends a binary-protocol row (`ProtocolBinary::ResultsetRow`) to `rows`.
    private func appendBinaryRow(_ raw: UnsafeRawBufferPointer, columns: [MySQLColumn], to rows: inout MySQLRows) {
        defer { rows.endRow() }
        var r = ByteReader(raw, offset: 1)
        guard let bitmap = r.readBytes((columns.count &+ 9) / 8) else { return }
        for (i, column) in columns.enumerated() {
            let bit = i &+ 2
            if bitmap[bit / 8] & (1 << UInt8(bit % 8)) != 0 {
                rows.appendNull()
                continue
            }
            guard let value = MySQLBinaryValue.read(&r, type: column.type, unsigned: column.isUnsigned,
                                                   keep: configuration.maxValueBytes) else { break }
            if let text = value.text { rows.appendText(text) } else { rows.appendNull() }
        }
    }
}
