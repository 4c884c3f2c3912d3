import CaptureIO
import Reassembly
import Timeline

/// What records the facts of an analysis from its followed connections: one `ProtocolRouter` on
/// the reading thread, or `ShardedRecorder`, which hands each connection to a decoding worker.
protocol FactRecorder: AnyObject {
    /// The consumer of a new connection, or nil to only count it (see `TCPReassembler.ConsumerFactory`).
    func consumer(for connection: ConnectionInfo, firstPayload: UnsafeRawBufferPointer?,
                  direction: FlowDirection) -> StreamConsumer?
    /// The reassembler closes `connection` early (true) or is done with it (false).
    func shedding(_ connection: ConnectionInfo, reason: CloseReason, starting: Bool)
    /// pcapng Decryption Secrets Blocks met while reading.
    func addSecrets(_ secrets: [DecryptionSecrets])
    /// Every connection is closed: what was recorded, facts sorted by start.
    func finishRecording() -> RecordedFacts
}

/// What a `FactRecorder` collected over a whole capture.
struct RecordedFacts {
    var http: HTTPFactStore
    var sql: SQLFactStore
    /// What connections closed early held.
    var shed: ShedFacts
    /// One note per TLS connection, by connection index.
    var tlsNotes: [TLSConnectionNote]
    var warnings: [String]
    var anomalies: [Anomaly]
}

extension ProtocolRouter: FactRecorder {
    func finishRecording() -> RecordedFacts {
        let (http, sql) = facts()
        return RecordedFacts(http: http, sql: sql, shed: shed, tlsNotes: tlsNotes, warnings: warnings, anomalies: anomalies)
    }
}
