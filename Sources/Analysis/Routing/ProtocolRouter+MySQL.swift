import CaptureIO
import MySQLDecoding
import Reassembly
import TLSDecoding
import Timeline

// Recording: MySQL commands as SQL facts (plain, or inside TLS after an SSLRequest).
extension ProtocolRouter {
    func mysqlDecoder(_ connection: ConnectionInfo) -> StreamConsumer {
        // The endpoints as text, made at the connection's first command and kept by its decoder
        // (a pool connection carries thousands of commands), as the HTTP decoders do.
        var endpointTexts: (client: String, server: String)?
        let decoder = MySQLConnectionDecoder(connection: connection, configuration: ProtocolRouter.mysqlConfiguration) { [weak self] record in
            let texts = endpointTexts ?? (record.client.description, record.server.description)
            endpointTexts = texts
            self?.add(record, endpointTexts: texts)
        }
        decoder.onTLS = { [weak self] outer in
            self?.startMySQLTLS(outer)
        }
        return decoder
    }

    /// After an SSLRequest the connection's bytes are TLS: decrypt them with the key log and read
    /// the plaintext with a MySQL decoder that carries on from the greeting (its records reach
    /// `add` like any other). Without a key the TLS note says so; no warning per connection.
    func startMySQLTLS(_ outer: MySQLConnectionDecoder) {
        let connection = outer.connection
        let inner = MySQLConnectionDecoder(continuing: outer)
        let tls = TLSConnectionDecoder(connection: connection, keyLog: keyLog, inner: inner) { [weak self] facts in
            self?.tlsFacts.append(facts)
        }
        tlsDecoders.append(tls)
        mysqlOverTLS.insert(connection.index)
        outer.tlsConsumer = tls
    }

    func add(_ record: MySQLCommandRecord, endpointTexts endpoints: (client: String, server: String)) {
        if record.connectionIndex == sheddingConnection {
            shed.sqlCommands &+= 1
            return
        }
        let outcome: SQLFact.Outcome
        switch record.result.kind {
        case .ok: outcome = .ok(affectedRows: record.result.affectedRows.map { Int64(clamping: $0) })
        case .error: outcome = .error(code: Int(record.result.errorCode ?? 0), message: record.result.message ?? "")
        case .rows: outcome = .rows(record.result.rowCount)
        case .none: outcome = .none
        }
        var fact = SQLFact(index: sqlFacts.count, time: record.start, end: record.end ?? record.start,
                           connection: record.connectionIndex, client: endpoints.client, user: record.user,
                           database: record.database, command: record.command, statement: record.statement,
                           outcome: outcome, keptRows: ProtocolRouter.keptRows(record),
                           lastInsertID: record.result.lastInsertID.map { Int64(clamping: $0) })
        fact.server = endpoints.server
        fact.threadID = record.connectionID.map { Int($0) }
        fact.sqlstate = record.result.sqlState
        fact.rowCount = record.result.kind == .rows ? record.result.rowCount : nil
        fact.complete = record.isComplete
        fact.tls = record.isTLS
        sqlFacts.append(fact)
        guard let onEvent else { return }
        onEvent(.sql(fact))
        // Only what may write a row is parsed: the traits the store recorded for the fact (the
        // verb, worked out once), as the batch timeline reads them.
        let traits = sqlFacts.traits(at: sqlFacts.count - 1)
        guard traits.contains(.mayWrite), !traits.contains(.error) else { return }
        if let write = SQLWriteStatement(parsing: fact.statement), write.table == "images",
           let status = write.value("status"), let id = write.value("id") ?? write.condition("id") {
            announce(id, status, at: fact.time, fromSQL: true)
        }
    }

    /// Result rows the timeline reads (an image's row as the database returned it); the rows of
    /// every other SELECT would only hold memory (a hundred thousand Keystone queries).
    static func keptRows(_ record: MySQLCommandRecord) -> MySQLRows {
        guard record.result.kind == .rows, !record.result.keptRows.isEmpty, readsRows(of: record.statement) else { return MySQLRows() }
        return record.result.keptRows
    }

    static func readsRows(of statement: String) -> Bool {
        statement.containsBytes("images.status") || statement.containsBytes("images_status")
    }

    /// The decoder builds row values only for the statements whose rows are kept.
    static let mysqlConfiguration: MySQLDecoderConfiguration = {
        var configuration = MySQLDecoderConfiguration()
        configuration.keepsRows = { ProtocolRouter.readsRows(of: $0) }
        return configuration
    }()
}
