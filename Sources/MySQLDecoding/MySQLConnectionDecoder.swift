import CaptureIO
import PacketDecoding
import Reassembly

/// Decodes one TCP connection's MySQL/MariaDB client/server protocol into command records.
///
/// One state machine per direction frames packets (plain, 16 MB continuation, zlib
/// compressed); a pairing layer matches each client command with the server's response and
/// calls `onCommand` when the response is complete (or can never complete). Any split of the
/// input gives the same records. Authentication data is read past and never kept.
///
/// ```swift
/// let decoder = MySQLConnectionDecoder(connection: info) { record in print(record.statement) }
/// reassembler.attach(decoder)   // StreamConsumer calls: receive, gap, close
/// ```
package final class MySQLConnectionDecoder: StreamConsumer {
    enum Phase {
        case awaitingGreeting
        case awaitingHandshakeResponse
        case authenticating
        case command
        case tls
    }

    package let connection: ConnectionInfo
    package let configuration: MySQLDecoderConfiguration
    let onCommand: (MySQLCommandRecord) -> Void

    /// What the connection phase said (server version, thread id, user, database, ...).
    package internal(set) var facts = MySQLConnectionFacts()
    /// Called once when the client sends an SSLRequest: the connection turns into TLS and the
    /// decoder stops reading it as MySQL. Bytes after the request go to `tlsConsumer`; set it
    /// here (a `TLSConnectionDecoder` whose inner consumer is `MySQLConnectionDecoder(continuing:)`)
    /// to read the commands inside TLS.
    package var onTLS: ((MySQLConnectionDecoder) -> Void)?
    /// Receives the connection's bytes after the SSLRequest (e.g. a TLS decoder), with gaps and close.
    package var tlsConsumer: StreamConsumer?
    /// Commands decoded so far.
    package internal(set) var commandCount = 0
    /// Server packets that belonged to no command (after a gap, or unknown traffic).
    package internal(set) var unpairedServerPackets = 0

    var phase: Phase
    let client: MySQLDirectionStream
    let server: MySQLDirectionStream
    var pending: [MySQLPendingCommand] = []
    var prepared: [UInt32: MySQLPreparedStatement] = [:]
    var lastPreparedID: UInt32?
    /// Whether CLIENT_DEPRECATE_EOF is in force; nil when the handshake was not captured.
    var deprecateEOF: Bool?
    var greetingTime: Timestamp?
    /// When the client's login (HandshakeResponse41) began.
    var loginTime: Timestamp?
    /// Joined without the SYN, and no byte seen yet: `join(at:direction:)` decides where it stands.
    var joinPending: Bool
    var closed = false
    static let maxPreparedStatements = 4096
    static let maxPending = 1024

    /// - Parameters:
    ///   - connection: the TCP connection (endpoints, index, whether its SYN was captured).
    ///   - configuration: caps on kept statement text, rows and values.
    ///   - onCommand: called once per command, in the order responses complete.
    package init(connection: ConnectionInfo, configuration: MySQLDecoderConfiguration = .default,
                onCommand: @escaping (MySQLCommandRecord) -> Void) {
        self.connection = connection
        self.configuration = configuration
        self.onCommand = onCommand
        phase = connection.sawHandshake ? .awaitingGreeting : .command
        joinPending = !connection.sawHandshake
        let clientKeep = max(configuration.maxStatementBytes &+ 64, configuration.maxPacketBytes)
        client = MySQLDirectionStream(keepLimit: clientKeep)
        server = MySQLDirectionStream(keepLimit: configuration.maxPacketBytes)
        client.onPacket = { [unowned self] in self.clientPacket($0) }
        server.onPacket = { [unowned self] in self.serverPacket($0) }
        client.passthrough = { [unowned self] bytes, time in
            self.tlsConsumer?.receive(bytes, direction: .clientToServer, at: time)
        }
        server.passthrough = { [unowned self] bytes, time in
            self.tlsConsumer?.receive(bytes, direction: .serverToClient, at: time)
        }
        if !connection.sawHandshake {
            // Joined mid-connection: the server may be in the middle of a response, so its
            // bytes wait for the next client command; the client's first bytes are checked
            // for a plausible command header.
            server.discard()
            client.framer.scanner = { MySQLConnectionDecoder.plausibleCommandHeader(length: $0, sequence: $1, command: $2) }
        }
    }

    /// Facts shortcuts.
    package var serverVersion: String? { facts.serverVersion }
    package var connectionID: UInt32? { facts.connectionID }
    package var user: String? { facts.user }
    package var database: String? { facts.database }
    package var clientAttributes: [String: String] { facts.clientAttributes }
    package var isTLS: Bool { facts.isTLS }
    package var capabilities: MySQLCapabilities { facts.negotiated }

    // MARK: StreamConsumer

    package func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        guard !closed, !bytes.isEmpty else { return }
        if joinPending { join(at: bytes, direction: direction) }
        switch direction {
        case .clientToServer:
            // Request/response: client bytes mean the server has finished talking, so a server
            // side waiting for a boundary can start afresh at its next byte.
            if server.mode == .discarding && phase == .command { server.restart() }
            client.consume(bytes, at: time)
        case .serverToClient:
            if client.mode == .discarding && phase == .command { client.restart() }
            server.consume(bytes, at: time)
        }
    }

    package func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        skipUnseen(count, direction: direction, at: time, cutBySnapLength: false)
    }

    /// Bytes the snap length cut: as unknown as lost ones, but the note says they were on the wire.
    package func notCaptured(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        skipUnseen(count, direction: direction, at: time, cutBySnapLength: true)
    }

    /// Bytes the decoder will never see, lost or cut by the snap length: after an SSLRequest they are the
    /// TLS decoder's to account for; otherwise they are skipped with a note that says which.
    private func skipUnseen(_ count: Int, direction: FlowDirection, at time: Timestamp, cutBySnapLength: Bool) {
        guard !closed else { return }
        if phase == .tls {
            if cutBySnapLength {
                tlsConsumer?.notCaptured(count, direction: direction, at: time)
            } else {
                tlsConsumer?.gap(count, direction: direction, at: time)
            }
            return
        }
        let stream = direction == .clientToServer ? "client" : "server"
        skip(count, direction: direction, at: time,
             note: cutBySnapLength ? "\(count) bytes of the \(stream) stream not captured (snap length)"
                                   : "gap of \(count) bytes in the \(stream) stream")
    }

    private func skip(_ count: Int, direction: FlowDirection, at time: Timestamp, note: String) {
        joinPending = false
        reportUnansweredLogin(note: note, at: nil)
        if phase != .command { phase = .command }
        switch direction {
        case .clientToServer:
            if let index = pending.firstIndex(where: { $0.phase == .localInfile }) {
                pending[index].record.isComplete = false
                pending[index].record.notes.append(note)
                pending[index].phase = .first
            } else if !client.framer.isIdle, client.framer.totalLength > 0 || client.framer.storage.count > 0 {
                salvagePartialCommand(note: note)
            }
            client.discard()
        case .serverToClient:
            let lost = pending
            pending.removeAll()
            for command in lost {
                command.record.isComplete = false
                command.record.notes.append(note)
                finish(command, at: time)
            }
            server.discard()
        }
    }

    package func finished(direction: FlowDirection, at time: Timestamp) {
        if phase == .tls { tlsConsumer?.finished(direction: direction, at: time) }
    }

    package func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
        guard !closed else { return }
        if phase == .tls { tlsConsumer?.close(reason: reason, statistics: statistics, at: time) }
        reportUnansweredLogin(note: "no answer to the login before the connection ended (\(reason.rawValue))", at: nil)
        let left = pending
        pending.removeAll()
        for command in left {
            command.record.isComplete = false
            command.record.notes.append("connection closed (\(reason.rawValue)) before the response ended")
            finish(command, at: nil)
        }
        closed = true
    }

    // MARK: pairing

    /// Completes a command's result summary and hands the record out.
    func finish(_ command: MySQLPendingCommand, at end: Timestamp?) {
        // Moved out, not copied: a record holds a few dozen references, and a busy pool
        // finishes a hundred thousand commands.
        var record = MySQLConnectionDecoder.spentRecord
        swap(&record, &command.record)
        if let end { record.end = end }
        if command.setOpen { record.result.resultSets.append(command.currentSet) }
        if let first = record.result.resultSets.first {
            record.result.columns = first.columns
            record.result.keptRows = first.keptRows
        }
        record.result.rowCount = record.result.resultSets.reduce(0) { $0 &+ $1.rowCount }
        if record.result.kind != .error, !record.result.resultSets.isEmpty { record.result.kind = .rows }
        commandCount &+= 1
        onCommand(record)
    }

    /// What a finished command's record is left as.
    static let spentRecord = MySQLCommandRecord(
        connectionIndex: -1, client: Endpoint(address: IPAddress(ipv4: 0), port: 0),
        server: Endpoint(address: IPAddress(ipv4: 0), port: 0), connectionID: nil, user: nil, database: nil,
        command: .query, statement: "", statementBytes: 0, start: .zero, end: nil)

    func newRecord(command: MySQLCommand, statement: String, statementBytes: Int, start: Timestamp) -> MySQLCommandRecord {
        var record = MySQLCommandRecord(connectionIndex: connection.index, client: connection.client, server: connection.server,
                                        connectionID: facts.connectionID, user: facts.user, database: facts.database,
                                        command: command, statement: statement, statementBytes: statementBytes,
                                        start: start, end: nil)
        record.isTLS = facts.isTLS
        return record
    }

    /// A command header was read but a gap cut the command: keep it so its response pairs.
    private func salvagePartialCommand(note: String) {
        let storage = client.framer.storage
        guard client.framer.lastSequenceID == 0 || client.framer.sequenceID == 0, let byte = storage.first else { return }
        let command = MySQLCommand(rawValue: byte)
        let text = storage.count > 1 ? String(decoding: storage[1...].prefix(configuration.maxStatementBytes), as: UTF8.self) : ""
        var record = newRecord(command: command, statement: text, statementBytes: max(storage.count &- 1, 0),
                               start: client.framer.startTime)
        record.isComplete = false
        record.notes.append(note)
        let entry = MySQLPendingCommand(record: record)
        entry.binaryRows = command == .stmtExecute
        if command.hasNoResponse { finish(entry, at: nil) } else { enqueue(entry) }
    }

    func enqueue(_ command: MySQLPendingCommand) {
        if pending.count >= MySQLConnectionDecoder.maxPending {
            let dropped = pending.removeFirst()
            dropped.record.isComplete = false
            dropped.record.notes.append("no response seen before \(MySQLConnectionDecoder.maxPending) later commands")
            finish(dropped, at: nil)
        }
        pending.append(command)
    }

    /// Header check used to find a client command after joining a connection mid-way.
    static func plausibleCommandHeader(length: UInt32, sequence: UInt8, command: UInt8) -> Bool {
        guard sequence == 0, length >= 1, MySQLCommand.isKnown(command), command != 0 else { return false }
        switch command {
        case 0x01, 0x09, 0x0e, 0x1f: return length == 1
        case 0x19, 0x1a: return length == 5
        case 0x02, 0x03, 0x16: return length >= 2
        case 0x17, 0x1c: return length >= 9
        default: return length < 1 << 20
        }
    }
}
