import HTTPDecoding
import MySQLDecoding
import Reassembly

/// A protocol `--port N=PROTOCOL` makes glancetrace decode on a server port, whatever the
/// connection's first bytes look like (tshark's `-d tcp.port==N,mysql`).
public enum PortProtocol: String, Sendable, CaseIterable {
    case http
    case mysql
    case tls
}

extension ProtocolRouter {
    /// What a new connection carries: the protocol its port was given, else its first bytes
    /// (TLS ClientHello, MySQL greeting, HTTP start line), else, on a followed port, MySQL's
    /// command phase by content and last the port's default (a connection joined mid-way).
    func content(of connection: ConnectionInfo, firstPayload: UnsafeRawBufferPointer?, direction: FlowDirection) -> Content {
        let port = connection.server.port
        if let given = portProtocols[port] {
            switch given {
            case .http: return .http
            case .mysql: return .mysql
            case .tls: return .tls
            }
        }
        let sniffed = ProtocolRouter.sniff(firstPayload, direction: direction)
        guard sniffed == .unknown, watchedPorts.contains(port) else { return sniffed }
        if ProtocolRouter.mysqlPorts.contains(port) { return .mysql }
        if ProtocolRouter.tlsPorts.contains(port) { return .tls }
        if let bytes = firstPayload, MySQLConnectionDecoder.looksLikeCommandPhase(bytes, direction: direction) { return .mysql }
        return .http
    }
}
