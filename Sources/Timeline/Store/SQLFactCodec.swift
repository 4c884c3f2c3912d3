import CaptureIO
import MySQLDecoding

/// The byte form of a `SQLFact` in a `SpillFile` (see SpillCoding.swift), in field order.
enum SQLFactCodec {
    static func encode(_ fact: SQLFact, into out: inout [UInt8]) {
        out.put(SpilledFactHead(time: fact.time, end: fact.end, connection: fact.connection))
        // What passes read comes first (see `decodeRows`, `decodeText`).
        out.put(fact.keptRows)
        out.put(fact.user)
        out.put(fact.database)
        out.put(fact.statement)
        // The command and the verb follow the statement: attribution reads them with it.
        out.append(fact.command.rawValue)
        out.put(fact.verb.map { Int64(bitPattern: $0.packed) })
        out.put(fact.client)
        out.put(fact.server)
        out.put(fact.threadID.map(Int64.init))
        out.put(fact.sqlstate)
        out.put(fact.rowCount.map(Int64.init))
        out.append((fact.complete ? 1 : 0) | (fact.tls ? 2 : 0))
        switch fact.outcome {
        case .ok(let affected):
            out.append(0)
            out.put(affected)
        case .error(let code, let message):
            out.append(1)
            out.put(Int64(code))
            out.put(message)
        case .rows(let count):
            out.append(2)
            out.put(Int64(count))
        case .none:
            out.append(3)
        }
        out.put(fact.lastInsertID)
    }

    /// Only the statement and the login it ran under: what attribution reads of every command,
    /// without building the rest (kept rows above all).
    static func decodeText(_ bytes: UnsafeRawBufferPointer) -> SQLFactStore.Text? {
        var r = SpillReader(bytes)
        guard r.skipFactHead(), r.skipRows(), let user = r.optionalString(), let database = r.optionalString(),
              let statement = r.string() else { return nil }
        return SQLFactStore.Text(user: user, database: database, statement: statement)
    }

    /// The statement's UTF-8 bytes as stored, without making a String of them.
    static func statementBytes<T>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
        var r = SpillReader(bytes)
        guard r.skipFactHead(), r.skipRows(), r.skipOptionalString(), r.skipOptionalString(), let statement = r.stringBytes() else { return nil }
        return body(statement)
    }

    /// What attribution reads of every command, in place: login, statement, command and verb.
    static func attributionFields<T>(_ bytes: UnsafeRawBufferPointer,
                                     _ body: (_ user: UnsafeRawBufferPointer?, _ database: UnsafeRawBufferPointer?,
                                              _ statement: UnsafeRawBufferPointer, _ command: MySQLCommand,
                                              _ verb: SQLVerb?) -> T) -> T? {
        var r = SpillReader(bytes)
        guard r.skipFactHead(), r.skipRows(), let user = r.optionalStringBytes(), let database = r.optionalStringBytes(),
              let statement = r.stringBytes(), let command = r.byte(), let verb = r.optionalInt() else { return nil }
        return body(user, database, statement, MySQLCommand(rawValue: command), verb.map { SQLVerb(packed: UInt64(bitPattern: $0)) })
    }

    /// Only the kept rows (image rows, read by the timeline one statement at a time).
    static func decodeRows(_ bytes: UnsafeRawBufferPointer) -> MySQLRows? {
        var r = SpillReader(bytes)
        guard r.skipFactHead() else { return nil }
        return r.rows()
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, index: Int) -> SQLFact? {
        var r = SpillReader(bytes)
        guard let head = r.factHead(), let keptRows = r.rows(),
              let user = r.optionalString(),
              let database = r.optionalString(), let statement = r.string(), let command = r.byte(),
              let verb = r.optionalInt(), let client = r.string(),
              let server = r.string(), let threadID = r.optionalInt(), let sqlstate = r.optionalString(),
              let rowCount = r.optionalInt(), let flags = r.byte(),
              let stored = r.sqlOutcome(), let lastInsertID = r.optionalInt() else { return nil }
        let outcome: SQLFact.Outcome
        switch stored {
        case .ok(let affected): outcome = .ok(affectedRows: affected)
        case .error(let code, let message): outcome = .error(code: code, message: String(decoding: message, as: UTF8.self))
        case .rows(let count): outcome = .rows(count)
        case .none: outcome = .none
        }
        var fact = SQLFact(index: index, time: head.time, end: head.end, connection: head.connection, client: client, user: user,
                           database: database, command: MySQLCommand(rawValue: command), statement: statement,
                           verb: verb.map { SQLVerb(packed: UInt64(bitPattern: $0)) }, outcome: outcome,
                           keptRows: keptRows, lastInsertID: lastInsertID)
        fact.server = server
        fact.threadID = threadID.map { Int(truncatingIfNeeded: $0) }
        fact.sqlstate = sqlstate
        fact.rowCount = rowCount.map { Int(truncatingIfNeeded: $0) }
        fact.complete = flags & 1 != 0
        fact.tls = flags & 2 != 0
        return fact
    }
}
