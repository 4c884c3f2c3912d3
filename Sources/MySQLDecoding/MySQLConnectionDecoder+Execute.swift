import ByteReading
/// COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE and COM_STMT_SEND_LONG_DATA: binary parameters
/// decoded and bound into the prepared text.
extension MySQLConnectionDecoder {
    static let maxLongData = 64 * 1024

    func readExecute(_ r: inout ByteReader, record: inout MySQLCommandRecord) {
        guard var id = r.readUInt32(), let flags = r.readByte(), r.readUInt32() != nil else {
            record.notes.append("Execute packet too short")
            return
        }
        // MariaDB: id 0xffffffff means "the statement prepared last" (pipelined prepare+execute).
        if id == 0xffff_ffff, let last = lastPreparedID { id = last }
        record.statementID = id
        guard var statement = prepared[id] else {
            record.notes.append("statement \(id) was prepared before the capture (or its Prepare was lost)")
            return
        }
        var count = statement.parameterCount
        let attributes = facts.negotiated.contains(.queryAttributes)
        if attributes && flags & 0x08 != 0 {
            // PARAMETER_COUNT_AVAILABLE: parameters plus query attributes.
            guard let n = r.readLengthEncoded(), n < 65536 else { return }
            count = Int(n)
        }
        var literals: [String] = []
        if count > 0 {
            guard let bitmap = r.readBytes((count &+ 7) / 8), let bound = r.readByte() else {
                record.notes.append("Execute parameters cut")
                return
            }
            if bound == 1 {
                var types: [(type: MySQLFieldType, unsigned: Bool)] = []
                types.reserveCapacity(count)
                for _ in 0..<count {
                    guard let t = r.readByte(), let f = r.readByte() else { break }
                    types.append((MySQLFieldType(rawValue: t), f & 0x80 != 0))
                    if attributes { _ = r.readLengthEncodedBytes() }
                }
                statement.parameterTypes = types
            }
            for i in 0..<count {
                if bitmap[i / 8] & (1 << UInt8(i % 8)) != 0 {
                    literals.append("NULL")
                } else if let data = statement.longData[i] {
                    literals.append(MySQLBinaryValue.quote(data))
                } else if i < statement.parameterTypes.count {
                    let t = statement.parameterTypes[i]
                    guard let value = MySQLBinaryValue.read(&r, type: t.type, unsigned: t.unsigned,
                                                           keep: configuration.maxValueBytes) else {
                        record.notes.append("parameter \(i + 1) of type \(t.type) could not be read")
                        break
                    }
                    literals.append(value.literal(type: t.type))
                } else {
                    record.notes.append("parameter types unknown (bound by an Execute before the capture)")
                    break
                }
            }
        }
        statement.longData = [:]
        statement.longDataTruncated = []
        prepared[id] = statement
        let own = Array(literals.prefix(statement.parameterCount))
        record.parameters = own
        bindStatement(&record, text: statement.text, literals: own)
    }

    /// MariaDB array binding: types once, then rows of (indicator, value) per parameter.
    func readBulkExecute(_ r: inout ByteReader, record: inout MySQLCommandRecord) {
        guard let id = r.readUInt32(), let flags = r.readUInt16() else { return }
        record.statementID = id
        guard var statement = prepared[id] else {
            record.notes.append("statement \(id) was prepared before the capture (or its Prepare was lost)")
            return
        }
        let count = statement.parameterCount
        if flags & 128 != 0 {
            var types: [(type: MySQLFieldType, unsigned: Bool)] = []
            for _ in 0..<count {
                guard let t = r.readByte(), let f = r.readByte() else { return }
                types.append((MySQLFieldType(rawValue: t), f & 0x80 != 0))
            }
            statement.parameterTypes = types
            prepared[id] = statement
        }
        guard statement.parameterTypes.count == count else { return }
        var rows = 0
        var first: [String] = []
        rowLoop: while !r.isAtEnd, count > 0 {
            var literals: [String] = []
            for t in statement.parameterTypes {
                guard let indicator = r.readByte() else { break rowLoop }
                switch indicator {
                case 0:
                    guard let v = MySQLBinaryValue.read(&r, type: t.type, unsigned: t.unsigned,
                                                       keep: configuration.maxValueBytes) else { break rowLoop }
                    literals.append(v.literal(type: t.type))
                case 1: literals.append("NULL")
                case 2: literals.append("DEFAULT")
                default: literals.append("IGNORE")
                }
            }
            if rows == 0 { first = literals }
            rows &+= 1
        }
        record.parameters = first
        bindStatement(&record, text: statement.text, literals: first)
        record.notes.append("bulk execute: \(rows) parameter rows, the first bound")
    }

    func readLongData(_ r: inout ByteReader, record: inout MySQLCommandRecord) {
        guard let id = r.readUInt32(), let param = r.readUInt16() else { return }
        record.statementID = id
        let data = r.readRest()
        record.statementBytes = data.count
        // The general log shows Long Data with no text.
        record.notes.append("parameter \(param): \(data.count) bytes")
        guard var statement = prepared[id] else { return }
        var stored = statement.longData[Int(param)] ?? []
        let room = MySQLConnectionDecoder.maxLongData &- stored.count
        if room > 0 { stored.append(contentsOf: data.prefix(room)) }
        if data.count > room { statement.longDataTruncated.insert(Int(param)) }
        statement.longData[Int(param)] = stored
        prepared[id] = statement
    }

    private func bindStatement(_ record: inout MySQLCommandRecord, text: String, literals: [String]) {
        let limit = configuration.maxStatementBytes
        record.statement = MySQLStatementBinder.bind(text, parameters: literals, limit: limit)
        record.statementBytes = record.statement.utf8.count
        if record.statementBytes >= limit { record.notes.append("bound statement cut to \(limit) bytes") }
    }
}
