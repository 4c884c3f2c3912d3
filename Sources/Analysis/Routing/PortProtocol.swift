import Timeline
import HTTPDecoding
import MySQLDecoding
import Reassembly

/// A protocol `--port N=PROTOCOL` makes glancetrace decode on a server port, whatever the
/// connection's first bytes look like (tshark's `-d tcp.port==N,mysql`).
package enum PortProtocol: String, Sendable, CaseIterable {
    case http
    case mysql
    case tls
}
