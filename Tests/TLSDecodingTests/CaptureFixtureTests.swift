import CaptureIO
import Crypto
import Foundation
import Reassembly
import TestSupport
import Testing
@testable import TLSDecoding

/// Fixtures/tls: HTTP/1.1 over TLS recorded on loopback by Fixtures/tls/record.py, with key
/// logs; scenarios.json holds the facts and the SHA-256 of each direction's plaintext, checked
/// against tshark's decryption when recorded.
enum TLSFixtures {
    static let directory = ProjectPaths.fixture("tls")

    struct Connection: Decodable {
        var stream: Int
        var sni: String
        var alpn: String?
        var resumed: Bool
        var version: String
        var cipher: String
        var hrr: Bool?
        var key_updates: Int?
        var encrypt_then_mac: Bool?
        var client_length: Int
        var client_sha256: String
        var server_length: Int
        var server_sha256: String
    }
    struct Scenario: Decodable, CustomTestStringConvertible {
        var name: String
        var port: UInt16
        var connections: [Connection]
        var testDescription: String { name }
    }
    struct Manifest: Decodable {
        var certificate: [String]
        var scenarios: [Scenario]
    }

    static let manifest: Manifest? = {
        guard let data = FileManager.default.contents(atPath: directory + "/scenarios.json") else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }()
    static var scenarios: [Scenario] { manifest?.scenarios ?? [] }

    static func keyLog(_ name: String) -> TLSKeyLog {
        let text = (try? String(contentsOfFile: directory + "/\(name).keylog", encoding: .utf8)) ?? ""
        return TLSKeyLog(text: text)
    }

    /// Feeds every connection of a scenario through its own decoder, each chunk cut into
    /// random pieces (seeded) when `resplit` is given.
    static func decode(_ scenario: Scenario, keyLog: TLSKeyLog, resplit seed: UInt64? = nil)
        -> [(TLSConnectionFacts, RecordingConsumer)] {
        guard let capture = LoopbackCapture(path: directory + "/\(scenario.name).pcap", serverPort: scenario.port) else {
            return []
        }
        var generator = SplitMix64(seed: seed ?? 0)
        let decoders = (0..<capture.connectionCount).map { index in
            let inner = RecordingConsumer()
            return (TLSConnectionDecoder(connection: testConnection(index: index), keyLog: keyLog, inner: inner), inner)
        }
        for chunk in capture.chunks {
            let decoder = decoders[chunk.connection].0
            var rest = chunk.payload[...]
            while !rest.isEmpty {
                let size = seed == nil ? rest.count : Int.random(in: 1...min(rest.count, 700), using: &generator)
                decoder.feed(Array(rest.prefix(size)), chunk.direction, at: chunk.time)
                rest = rest.dropFirst(size)
            }
            if chunk.fin { decoder.finished(direction: chunk.direction, at: chunk.time) }
        }
        for (decoder, _) in decoders {
            decoder.close(reason: .fin, statistics: ConnectionStatistics(), at: Timestamp(nanoseconds: 1))
        }
        return decoders.map { ($0.0.facts, $0.1) }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        hexString(Array(SHA256.hash(data: bytes)))
    }
}

@Suite struct CaptureFixtureTests {
    @Test func fixturesArePresent() {
        #expect(TLSFixtures.scenarios.count >= 8)
    }

    @Test(arguments: TLSFixtures.scenarios)
    func decryptsToWhatTheApplicationsSent(_ scenario: TLSFixtures.Scenario) {
        let results = TLSFixtures.decode(scenario, keyLog: TLSFixtures.keyLog(scenario.name), resplit: 7)
        #expect(results.count == scenario.connections.count)
        for (expected, (facts, inner)) in zip(scenario.connections, results) {
            #expect(facts.decryption == .decrypted, "\(scenario.name) \(expected.stream): \(facts.notes)")
            #expect(inner.bytes[0].count == expected.client_length)
            #expect(TLSFixtures.sha256(inner.bytes[0]) == expected.client_sha256)
            #expect(inner.bytes[1].count == expected.server_length)
            #expect(TLSFixtures.sha256(inner.bytes[1]) == expected.server_sha256)
            #expect(facts.version?.description == expected.version)
            #expect(facts.cipherSuite?.name == expected.cipher)
            #expect(facts.serverName == expected.sni)
            #expect(facts.alpn == expected.alpn)
            #expect(facts.resumed == expected.resumed)
            #expect(facts.helloRetryRequest == (expected.hrr ?? false))
            #expect(facts.keyUpdates == (expected.key_updates ?? 0))
            if let etm = expected.encrypt_then_mac { #expect(facts.encryptThenMAC == etm) }
            #expect(facts.notes.isEmpty, "\(facts.notes)")
            // Every connection ends with close_notify from the side that closes first at least.
            #expect(facts.alerts.contains { $0.name == "close_notify" })
            // Plaintext is stamped with record times, which never go backwards.
            for times in inner.times { #expect(times == times.sorted()) }
            if !expected.resumed { checkCertificate(facts) }
        }
    }

    /// The server certificate, against `openssl x509 -nameopt RFC2253` at recording time.
    private func checkCertificate(_ facts: TLSConnectionFacts) {
        guard let lines = TLSFixtures.manifest?.certificate, let certificate = facts.certificates.first else {
            Issue.record("no certificate")
            return
        }
        func value(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        #expect(certificate.subject == value("subject"))
        #expect(certificate.issuer == value("issuer"))
        #expect(certificate.serialNumber == value("serial")?.lowercased())
        #expect(certificate.subjectAlternativeNames == ["glance.test", "127.0.0.1"])
        // "2026-11-26 00:39:43Z" from openssl, against our DER time.
        let notBefore = certificate.notBefore.map { $0.rfc3339().prefix(19).replacingOccurrences(of: "T", with: " ") + "Z" }
        let notAfter = certificate.notAfter.map { $0.rfc3339().prefix(19).replacingOccurrences(of: "T", with: " ") + "Z" }
        #expect(notBefore == value("notBefore"))
        #expect(notAfter == value("notAfter"))
    }

    @Test(arguments: TLSFixtures.scenarios)
    func withoutKeysTheHandshakeFactsRemain(_ scenario: TLSFixtures.Scenario) {
        let results = TLSFixtures.decode(scenario, keyLog: TLSKeyLog())
        for (expected, (facts, inner)) in zip(scenario.connections, results) {
            #expect(facts.decryption == .notDecrypted(reason: "no key for this session"))
            #expect(inner.bytes[0].isEmpty && inner.bytes[1].isEmpty)
            #expect(facts.version?.description == expected.version)
            #expect(facts.cipherSuite?.name == expected.cipher)
            #expect(facts.serverName == expected.sni)
            #expect(facts.resumed == expected.resumed)
            #expect(facts.clientRecords.decryptedRecords == 0 && facts.clientRecords.undecryptedRecords > 0)
            // TLS 1.2 sends the certificate and ALPN in the clear; TLS 1.3 hides both.
            if expected.version == "TLS 1.2" {
                #expect(facts.alpn == expected.alpn)
                #expect(facts.certificates.isEmpty == expected.resumed)
            } else {
                #expect(facts.certificates.isEmpty)
            }
        }
    }

    /// The decoder's plaintext against tshark's own decryption of the same capture and key log.
    @Test func agreesWithTshark() throws {
        guard let tshark = ExternalTool.path("tshark") else {
            print("tshark not installed: differential test skipped")
            return
        }
        for scenario in TLSFixtures.scenarios {
            let results = TLSFixtures.decode(scenario, keyLog: TLSFixtures.keyLog(scenario.name))
            // One tshark run per capture, one "follow" block per connection.
            let output = try ExternalTool.run(tshark, ["-r", "\(TLSFixtures.directory)/\(scenario.name).pcap",
                                                       "-o", "tls.keylog_file:\(TLSFixtures.directory)/\(scenario.name).keylog", "-q"]
                                              + results.indices.flatMap { ["-z", "follow,tls,raw,\($0)"] }).output
            var sides = [[[UInt8]]](repeating: [[], []], count: results.count)
            var stream = -1
            var node0IsServer = false
            for line in output.split(separator: "\n") {
                if line.hasPrefix("Filter: tcp.stream eq "), let n = Int(line.dropFirst(22)) { stream = n }
                if line.hasPrefix("Node 0:") { node0IsServer = line.hasSuffix(":\(scenario.port)") }
                guard sides.indices.contains(stream), !line.hasPrefix("Node"), !line.hasPrefix("Follow"),
                      !line.hasPrefix("Filter"), !line.hasPrefix("="), let bytes = bytesFromHex(line) else { continue }
                let fromServer = line.hasPrefix("\t") != node0IsServer
                sides[stream][fromServer ? 1 : 0] += bytes
            }
            for (index, (_, inner)) in results.enumerated() {
                #expect(!sides[index][1].isEmpty)
                #expect(sides[index][0] == inner.bytes[0], "\(scenario.name) \(index) client")
                #expect(sides[index][1] == inner.bytes[1], "\(scenario.name) \(index) server")
            }
        }
    }
}
