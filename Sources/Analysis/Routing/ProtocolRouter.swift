import Timeline
import CaptureIO
import HTTPDecoding
import MySQLDecoding
import PacketDecoding
import Reassembly
import TLSDecoding
import TLSInference

/// Chooses the decoder for each TCP connection (by its first bytes, then by server port) and
/// collects what the decoders emit as timeline facts.
///
/// Its jobs, one file each: sniffing (`ConnectionContent.swift`, `DeferredSniff.swift`), decoder
/// wiring (here), recording MySQL commands (`+MySQL`) and HTTP exchanges (`+HTTP`) as facts,
/// the live view's status events (`LiveStatusAnnouncement.swift`), TLS notes (`+TLSNotes`) and
/// what closing connections early shed (`ShedFacts.swift`).
final class ProtocolRouter {
    /// Followed server ports whose connections are TLS by default (TripleO's public endpoints).
    static let tlsPorts = OpenStackPorts.tlsWatchedByDefault
    static let mysqlPorts = OpenStackPorts.mysql

    let watchedPorts: Set<UInt16>
    /// Whether HTTP facts carry their message texts (`CaptureAnalysis.Options.recordsMessageTexts`).
    let recordsMessageTexts: Bool
    /// Ports whose connections are decoded as the given protocol (`--port N=PROTOCOL`).
    var portProtocols: [UInt16: PortProtocol] = [:]
    var onEvent: ((AnalysisSession.LiveEvent) -> Void)?
    var warnings: [String] = []
    var anomalies: [Anomaly] = []
    var keyLog = TLSKeyLog()
    var tlsFacts: [TLSConnectionFacts] = []
    var tlsDecoders: [TLSConnectionDecoder] = []
    /// Connections whose TLS began after a MySQL SSLRequest (their notes say "MySQL over TLS").
    var mysqlOverTLS: Set<Int> = []
    /// Undecrypted TLS connections whose records are not read as HTTP/1.1, and why.
    var notInferred: [Int: String] = [:]
    /// Every SQL command, on disk as it completes (see `SQLFactStore`).
    let sqlFacts = SQLFactStore(spillDirectory: nil)
    /// Every HTTP exchange, on disk as it completes (see `FactStore`).
    let httpFacts = HTTPFactStore(spillDirectory: nil)
    /// Last status the live view announced per image, and whether SQL set it (SQL then wins,
    /// as in the timeline: API responses only fill in for images whose SQL is not captured).
    var liveStatus: [String: (status: String, fromSQL: Bool)] = [:]

    var httpConfiguration = HTTPDecoderConfiguration()
    /// Recent path classifications (a router runs on one thread: its own cache).
    let callRoutes = OpenStackRouteCache()
    /// The connection the memory budget or the half-open timeout is closing now: what its
    /// decoders emit while closing is counted in `shed`, not recorded (a flood's million
    /// unanswered heads would otherwise be a million facts, images and anomalies).
    var sheddingConnection: Int?
    /// Exchanges and commands of connections closed early, counted only.
    var shed = ShedFacts()

    /// The reassembler closes `connection` early (true) or is done with it (false).
    func shedding(_ connection: ConnectionInfo, reason: CloseReason, starting: Bool) {
        sheddingConnection = starting ? connection.index : nil
        if starting { shed.note(connection, reason: reason) }
    }

    init(watchedPorts: Set<UInt16>, keyLogPaths: [String], hashUploads: Bool, recordsMessageTexts: Bool) {
        self.watchedPorts = watchedPorts
        self.recordsMessageTexts = recordsMessageTexts
        ImageDataRoutes.configure(&httpConfiguration, hashes: hashUploads)
        for path in keyLogPaths {
            do { try keyLog.add(contentsOf: path) } catch {
                warnings.append("\(path): cannot read the key log; TLS stays encrypted")
            }
        }
    }

    /// pcapng DSB secrets (`editcap --inject-secrets`): each new one is added once.
    func addSecrets(_ secrets: [DecryptionSecrets]) {
        for secret in secrets { keyLog.add(secret) }
    }

    func consumer(for connection: ConnectionInfo, firstPayload: UnsafeRawBufferPointer?,
                  direction: FlowDirection) -> StreamConsumer? {
        guard let content = following(connection, firstPayload: firstPayload, direction: direction) else { return nil }
        return consumer(for: connection, content: content, direction: direction)
    }

    /// Whether a new connection is followed, and as what: decided from its port and first bytes
    /// alone (pure), so that the reading thread decides it while a worker builds the decoder.
    func following(_ connection: ConnectionInfo, firstPayload: UnsafeRawBufferPointer?,
                   direction: FlowDirection) -> Content? {
        let content = content(of: connection, firstPayload: firstPayload, direction: direction)
        guard content == .unknown else { return content }
        return followsUnknown(connection, direction: direction) ? .unknown : nil
    }

    /// The decoder of a connection `following` said is followed as `content`.
    func consumer(for connection: ConnectionInfo, content: Content, direction: FlowDirection) -> StreamConsumer? {
        let port = connection.server.port
        switch content {
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

    /// HTTP and SQL facts, each sorted by start time and indexed by position.
    func facts() -> (http: HTTPFactStore, sql: SQLFactStore) {
        ProtocolRouter.finish(httpFacts, sqlFacts, warnings: &warnings)
        return (httpFacts, sqlFacts)
    }

    /// Puts both stores in start order, writes out their spills and adds their warnings (once):
    /// the end of recording, for one router's stores or the workers' merged ones.
    static func finish(_ http: HTTPFactStore, _ sql: SQLFactStore, warnings: inout [String]) {
        http.sortByStart()
        sql.sortByStart()
        http.finishWriting()
        sql.finishWriting()
        for warning in [http.warning, sql.warning].compactMap({ $0 }) where !warnings.contains(warning) {
            warnings.append(warning)
        }
    }
}
