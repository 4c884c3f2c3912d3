import Reassembly
import TLSDecoding

// The report's one line per TLS connection.
extension ProtocolRouter {
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
}
