import CaptureIO
import PacketDecoding
import Reassembly

/// Chooses the decoder for each TCP connection (by server port, then by its first bytes) and
/// collects what the decoders emit as timeline facts.
final class ProtocolRouter {
    let watchedPorts: Set<UInt16>
    let keyLogPaths: [String]
    var onEvent: ((AnalysisSession.LiveEvent) -> Void)?
    private(set) var warnings: [String] = []
    private(set) var anomalies: [Anomaly] = []
    private(set) var tlsNotes: [TLSConnectionNote] = []

    init(watchedPorts: Set<UInt16>, keyLogPaths: [String]) {
        self.watchedPorts = watchedPorts
        self.keyLogPaths = keyLogPaths
    }

    func addSecrets(_ secrets: [DecryptionSecrets]) {}

    func consumer(for connection: ConnectionInfo, firstPayload: UnsafeRawBufferPointer?,
                  direction: FlowDirection) -> StreamConsumer? {
        nil
    }

    /// HTTP and SQL facts, each sorted by start time and indexed by position.
    func facts() -> (http: [HTTPFact], sql: [SQLFact]) {
        ([], [])
    }
}
