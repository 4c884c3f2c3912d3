import CaptureIO
import HTTPDecoding
import MySQLDecoding
import Reassembly
import TLSDecoding

// Sniffing: which decoder a new connection gets, from its port and its first bytes.
extension ProtocolRouter {
    /// What a connection carries, judged from its first payload.
    enum Content { case http, mysql, tls, unknown }

    static func sniff(_ bytes: UnsafeRawBufferPointer?, direction: FlowDirection) -> Content {
        guard let bytes, !bytes.isEmpty else { return .unknown }
        if looksLikeClientHello(bytes) { return .tls }
        if MySQLConnectionDecoder.looksLikeServerGreeting(bytes, direction: direction) { return .mysql }
        return HTTPConnectionDecoder.looksLikeHTTP(bytes, direction: direction) ? .http : .unknown
    }

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
