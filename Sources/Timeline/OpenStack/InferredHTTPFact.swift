import CaptureIO
import Reassembly
import TLSDecoding
import TLSInference

extension HTTPFact {
    /// The timeline's view of an exchange seen only as encrypted records.
    ///
    /// The service comes from the server port, else from the SNI; the operation is "unknown"
    /// until `InferredCallNaming` has read the SQL it caused.
    /// - Parameter index: the exchange's position in the report's `http` array.
    package init(inferred exchange: InferredExchange, connection: ConnectionInfo, session: TLSConnectionFacts,
                counts: TLSExchangeInference.Counts, index: Int, ports: OpenStackServicePorts = .standard) {
        let (service, serviceEvidence) = Self.service(port: connection.server.port, serverName: session.serverName, ports: ports)
        self.init(index: index, time: exchange.start, end: exchange.end, connection: connection.index,
                  client: connection.client.description, server: connection.server.description,
                  service: service, operation: "unknown", method: "", path: "", status: nil,
                  requestBytes: exchange.requestBytes.upperBound, requestComplete: true)
        requestEnd = exchange.requestEnd
        requestWireBytes = exchange.requestBytes.upperBound
        responseBytes = exchange.responseBytes.upperBound
        tls = true
        inferred = true
        if !exchange.sizesExact {
            minimumBytes = (exchange.requestBytes.lowerBound, exchange.responseBytes.lowerBound)
        }
        notes = exchange.notes
        evidence = Self.recordEvidence(exchange, session: session, counts: counts) + [serviceEvidence]
    }

    /// What the record layer showed, in words.
    static func recordEvidence(_ exchange: InferredExchange, session tls: TLSConnectionFacts,
                               counts: TLSExchangeInference.Counts) -> [String] {
        var session = "not decrypted"
        if let version = tls.version { session += ", \(version)" }
        if let suite = tls.cipherSuite { session += " \(suite.name)" }
        if case .notDecrypted(let reason) = tls.decryption { session += " (\(reason))" }
        if tls.resumed { session += ", resumed session" }
        var lines = [session]
        var burst = "\(exchange.requestRecords) client record\(exchange.requestRecords == 1 ? "" : "s") "
            + "(\(Self.bytes(exchange.requestBytes)) of plaintext), then "
        burst += exchange.hasResponse
            ? "\(exchange.responseRecords) server record\(exchange.responseRecords == 1 ? "" : "s") (\(Self.bytes(exchange.responseBytes)))"
            : "no server record"
        lines.append(burst)
        if let protection = exchange.protection {
            lines.append("plaintext sizes are record lengths less \(protection.overheadDescription)")
        }
        if exchange.interimResponses > 0 {
            lines.append("a 25-byte server record between request records: HTTP/1.1 100 Continue, counted in the response")
        }
        if exchange.ticketRecords > 0 {
            lines.append("\(exchange.ticketRecords) TLS 1.3 session ticket record\(exchange.ticketRecords == 1 ? "" : "s") "
                         + "sent while the request was under way, not counted")
        }
        if exchange.sequence == 0 {
            var skipped: [String] = []
            if counts.handshakeRecords > 0 { skipped.append("\(counts.handshakeRecords) handshake") }
            if counts.ticketRecords > exchange.ticketRecords {
                skipped.append("\(counts.ticketRecords - exchange.ticketRecords) session ticket")
            }
            if !skipped.isEmpty { lines.append("first exchange of the connection, after " + skipped.joined(separator: " and ") + " records") }
        }
        return lines
    }

    /// "1,234 bytes", or "1,200 to 1,215 bytes" for a CBC range.
    static func bytes(_ range: ClosedRange<Int>) -> String {
        range.lowerBound == range.upperBound ? "\(grouped(range.upperBound)) bytes"
            : "\(grouped(range.lowerBound)) to \(grouped(range.upperBound)) bytes"
    }

    static func grouped(_ value: Int) -> String {
        var digits = String(value.magnitude)
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: digits.index(digits.startIndex, offsetBy: i))
            i -= 3
        }
        return (value < 0 ? "-" : "") + digits
    }

    /// The service behind an encrypted connection: its port, else a word of its SNI.
    static func service(port: UInt16, serverName: String?, ports: OpenStackServicePorts) -> (String, String) {
        if let service = ports.service(for: port) {
            return (service.rawValue, "service \(service.rawValue) from the server port \(port)")
        }
        if let name = serverName?.lowercased() {
            let words: [(String, [String])] = [("keystone", ["keystone", "identity"]), ("glance", ["glance", "image"]),
                                               ("swift", ["swift", "object"])]
            for (service, keys) in words where keys.contains(where: { name.contains($0) }) {
                return (service, "service \(service) from the server name (SNI) \(name)")
            }
        }
        return ("other", "service unknown: port \(port) is not a known OpenStack port"
                + (serverName.map { " and the SNI \($0) names none" } ?? " and there is no SNI"))
    }
}
