import CaptureIO
import HTTPDecoding
import MySQLDecoding
import PacketDecoding
import Reassembly
import TLSDecoding
import TLSInference
#if canImport(Glibc)
import Glibc
#endif

/// Chooses the decoder for each TCP connection (by its first bytes, then by server port) and
/// collects what the decoders emit as timeline facts.
final class ProtocolRouter {
    /// Server ports whose connections are TLS by default (TripleO's public endpoints).
    static let tlsPorts: Set<UInt16> = [13000, 13292]
    static let mysqlPorts: Set<UInt16> = [3306]

    let watchedPorts: Set<UInt16>
    /// Ports whose connections are decoded as the given protocol (`--port N=PROTOCOL`).
    var portProtocols: [UInt16: PortProtocol] = [:]
    var onEvent: ((AnalysisSession.LiveEvent) -> Void)?
    private(set) var warnings: [String] = []
    private(set) var anomalies: [Anomaly] = []
    private var keyLog = TLSKeyLog()
    private var tlsFacts: [TLSConnectionFacts] = []
    private var tlsDecoders: [TLSConnectionDecoder] = []
    /// Connections whose TLS began after a MySQL SSLRequest (their notes say "MySQL over TLS").
    private var mysqlOverTLS: Set<Int> = []
    /// Undecrypted TLS connections whose records are not read as HTTP/1.1, and why.
    private var notInferred: [Int: String] = [:]
    /// Every SQL command, on disk as it completes (see `SQLFactStore`).
    private let sqlFacts = SQLFactStore()
    /// Every HTTP exchange, on disk as it completes (see `FactStore`).
    private let httpFacts = HTTPFactStore()
    /// Last status the live view announced per image, and whether SQL set it (SQL then wins,
    /// as in the timeline: API responses only fill in for images whose SQL is not captured).
    private var liveStatus: [String: (status: String, fromSQL: Bool)] = [:]
    private var endpointTextsByConnection: [Int: (client: String, server: String)] = [:]

    private var httpConfiguration = HTTPDecoderConfiguration()
    /// The connection the memory budget or the half-open timeout is closing now: what its
    /// decoders emit while closing is counted in `shed`, not recorded (a flood's million
    /// unanswered heads would otherwise be a million facts, images and anomalies).
    var sheddingConnection: Int?
    /// Exchanges and commands of connections closed early, counted only.
    private(set) var shed = ShedFacts()

    /// The reassembler closes `connection` early (true) or is done with it (false).
    func shedding(_ connection: ConnectionInfo, reason: CloseReason, starting: Bool) {
        sheddingConnection = starting ? connection.index : nil
        if starting { shed.note(connection, reason: reason) }
    }

    init(watchedPorts: Set<UInt16>, keyLogPaths: [String], hashUploads: Bool = true) {
        self.watchedPorts = watchedPorts
        ImageDataRoutes.configure(&httpConfiguration, hashes: hashUploads)
        for path in keyLogPaths {
            guard let text = ProtocolRouter.readText(path) else {
                warnings.append("\(path): cannot read the key log; TLS stays encrypted")
                continue
            }
            keyLog.add(text: text)
        }
    }

    /// pcapng DSB secrets (`editcap --inject-secrets`): each new one is added once.
    func addSecrets(_ secrets: [DecryptionSecrets]) {
        for secret in secrets { keyLog.add(secret) }
    }

    /// What a connection carries, judged from its first payload.
    enum Content { case http, mysql, tls, unknown }

    static func sniff(_ bytes: UnsafeRawBufferPointer?, direction: FlowDirection) -> Content {
        guard let bytes, !bytes.isEmpty else { return .unknown }
        if looksLikeClientHello(bytes) { return .tls }
        if MySQLConnectionDecoder.looksLikeServerGreeting(bytes, direction: direction) { return .mysql }
        return HTTPConnectionDecoder.looksLikeHTTP(bytes, direction: direction) ? .http : .unknown
    }

    func consumer(for connection: ConnectionInfo, firstPayload: UnsafeRawBufferPointer?,
                  direction: FlowDirection) -> StreamConsumer? {
        let port = connection.server.port
        switch content(of: connection, firstPayload: firstPayload, direction: direction) {
        case .mysql:
            return mysqlDecoder(connection)
        case .http:
            return httpDecoder(connection, tls: false)
        case .tls:
            let inner = ProtocolRouter.mysqlPorts.contains(port) ? nil : httpDecoder(connection, tls: true)
            let decoder = TLSConnectionDecoder(connection: connection, keyLog: keyLog, inner: inner) { [weak self] facts in
                self?.tlsFacts.append(facts)
            }
            tlsDecoders.append(decoder)
            if inner != nil { inferExchanges(of: decoder) }
            return decoder
        case .unknown:
            return deferredSniff(connection, direction: direction)
        }
    }

    private func mysqlDecoder(_ connection: ConnectionInfo) -> StreamConsumer {
        let decoder = MySQLConnectionDecoder(connection: connection, configuration: ProtocolRouter.mysqlConfiguration) { [weak self] record in
            self?.add(record)
        }
        decoder.onTLS = { [weak self] outer in
            self?.startMySQLTLS(outer)
        }
        return decoder
    }

    /// After an SSLRequest the connection's bytes are TLS: decrypt them with the key log and read
    /// the plaintext with a MySQL decoder that carries on from the greeting (its records reach
    /// `add` like any other). Without a key the TLS note says so; no warning per connection.
    private func startMySQLTLS(_ outer: MySQLConnectionDecoder) {
        let connection = outer.connection
        let inner = MySQLConnectionDecoder(continuing: outer)
        let tls = TLSConnectionDecoder(connection: connection, keyLog: keyLog, inner: inner) { [weak self] facts in
            self?.tlsFacts.append(facts)
        }
        tlsDecoders.append(tls)
        mysqlOverTLS.insert(connection.index)
        outer.tlsConsumer = tls
    }

    private func add(_ record: MySQLCommandRecord) {
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
        let endpoints = endpointTexts(record)
        var fact = SQLFact(index: sqlFacts.count, time: record.start, end: record.end ?? record.start,
                           connection: record.connectionIndex, client: endpoints.client, user: record.user,
                           database: record.database, command: record.commandName, statement: record.statement,
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
        if case .error = fact.outcome { return }
        if let write = SQLWriteStatement(parsing: fact.statement), write.table == "images",
           let status = write.value("status"), let id = write.value("id") ?? write.condition("id") {
            announce(id, status, at: fact.time, fromSQL: true)
        }
    }

    /// The connection's endpoints as text, made once per connection (a pool connection carries
    /// thousands of commands).
    private func endpointTexts(_ record: MySQLCommandRecord) -> (client: String, server: String) {
        if let known = endpointTextsByConnection[record.connectionIndex] { return known }
        let texts = (record.client.description, record.server.description)
        endpointTextsByConnection[record.connectionIndex] = texts
        return texts
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

    /// Emits a live status event when the image's status differs from the last one announced.
    private func announce(_ id: String, _ status: String, at time: Timestamp, fromSQL: Bool) {
        let last = liveStatus[id]
        if !fromSQL, last?.fromSQL == true { return }
        liveStatus[id] = (status, fromSQL || last?.fromSQL == true)
        guard last?.status != status else { return }
        onEvent?(.status(imageID: id, status: status, time: time, source: fromSQL ? "sql" : "http"))
    }

    /// The HTTP decoder of a connection (plain, or inside TLS).
    func httpDecoder(_ connection: ConnectionInfo, tls: Bool) -> StreamConsumer? {
        let port = connection.server.port
        let decoder = HTTPConnectionDecoder(connection: connection, configuration: httpConfiguration) { [weak self] exchange in
            guard let self else { return }
            if exchange.connection == self.sheddingConnection {
                self.shed.httpExchanges &+= 1
                return
            }
            let call = OpenStackCall(exchange: exchange, serverPort: port)
            let fact = HTTPFact(exchange: exchange, call: call, index: self.httpFacts.count)
            self.httpFacts.append(fact)
            self.onEvent?(.http(fact))
            if let id = fact.imageID, let status = fact.reportedStatus, let code = fact.status, (200..<300).contains(code) {
                self.announce(id, status, at: fact.end, fromSQL: false)
            }
        }
        decoder.tls = tls
        decoder.onShed = { [weak self] count in self?.shed.httpExchanges &+= count }
        return decoder
    }

    /// Without its key, a TLS connection's HTTP exchanges are read from its records (see
    /// `TLSExchangeInference`); with it, the decoded ones stand and nothing is inferred.
    private func inferExchanges(of decoder: TLSConnectionDecoder) {
        var inference = TLSExchangeInference()
        // The decoder owns this closure: it is alive whenever the closure runs.
        decoder.onRecordLayerEvent = { [weak self, unowned decoder] event in
            for exchange in inference.consume(event) {
                guard let self else { return }
                let session = decoder.facts
                if session.connection.index == self.sheddingConnection {
                    self.shed.httpExchanges &+= 1
                    continue
                }
                let port = session.connection.server.port
                let httpPort = OpenStackServicePorts.standard.service(for: port) != nil
                    || (self.watchedPorts.contains(port) && !ProtocolRouter.mysqlPorts.contains(port))
                let (inferable, reason) = HTTP1OverTLS.verdict(offeredALPN: session.offeredALPN, negotiatedALPN: session.alpn,
                                                               httpPort: httpPort)
                guard inferable else {
                    self.notInferred[session.connection.index] = "records not read as HTTP/1.1 exchanges: " + reason
                    continue
                }
                var fact = HTTPFact(inferred: exchange, connection: session.connection, session: session,
                                    counts: inference.counts, index: self.httpFacts.count)
                fact.evidence.insert("HTTP/1.1: " + reason, at: min(1, fact.evidence.count))
                self.httpFacts.append(fact)
                self.onEvent?(.http(fact))
            }
        }
    }

    /// TLS facts as report lines, for every TLS connection met.
    var tlsNotes: [TLSConnectionNote] {
        var seen = Set(tlsFacts.map(\.connection.index))
        var all = tlsFacts
        for decoder in tlsDecoders where !seen.contains(decoder.facts.connection.index) {
            all.append(decoder.facts)
            seen.insert(decoder.facts.connection.index)
        }
        return all.sorted { $0.connection.index < $1.connection.index }.map { facts in
            var parts: [String] = []
            if mysqlOverTLS.contains(facts.connection.index) { parts.append("MySQL over TLS") }
            parts.append(facts.version.map { "\($0)" } ?? "TLS (version unknown)")
            if let sni = facts.serverName { parts.append("SNI \(sni)") }
            if let alpn = facts.alpn { parts.append("ALPN \(alpn)") }
            if let suite = facts.cipherSuite { parts.append(suite.name) }
            if facts.resumed { parts.append("resumed") }
            parts.append("\(facts.clientRecords.records + facts.serverRecords.records) records")
            parts.append("\(facts.decryption)")
            parts += facts.notes
            if let why = notInferred[facts.connection.index] { parts.append(why) }
            return TLSConnectionNote(connection: facts.connection.index, client: facts.connection.client.description,
                                     server: facts.connection.server.description, summary: parts.joined(separator: ", "))
        }
    }

    /// HTTP and SQL facts, each sorted by start time and indexed by position.
    func facts() -> (http: HTTPFactStore, sql: SQLFactStore) {
        httpFacts.sortByStart()
        sqlFacts.sortByStart()
        for warning in [httpFacts.warning, sqlFacts.warning].compactMap({ $0 }) where !warnings.contains(warning) {
            warnings.append(warning)
        }
        return (httpFacts, sqlFacts)
    }

    static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > 64 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What the decoders of connections closed early (memory budget, half-open timeout) emitted
/// while closing: counted for the report's line about it, not listed.
struct ShedFacts {
    var httpExchanges = 0
    var sqlCommands = 0
    var connections = 0
    /// When the first and last of those connections began, and a few of them, for the anomaly.
    var first: Timestamp?
    var last: Timestamp?
    var examples: [String] = []

    mutating func note(_ connection: ConnectionInfo, reason: CloseReason) {
        connections &+= 1
        if first.map({ connection.firstSeen < $0 }) ?? true { first = connection.firstSeen }
        if last.map({ connection.firstSeen > $0 }) ?? true { last = connection.firstSeen }
        if examples.count < AnomalyAggregation.exampleCount {
            examples.append("\(connection.client) -> \(connection.server) (\(reason.rawValue))")
        }
    }

    /// The flood as one aggregated anomaly (issue 19), so `anomalies[]` shows it too.
    func anomaly(_ line: String) -> Anomaly? {
        guard connections > 0, let first, let last else { return nil }
        var anomaly = Anomaly(time: first, kind: "connection-flood", message: line)
        anomaly.count = connections
        anomaly.first = first
        anomaly.last = last
        anomaly.examples = examples
        return anomaly
    }
}
