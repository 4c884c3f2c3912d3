import Analysis
import CaptureIO
import Foundation
import TestSupport
import Testing
import Timeline

/// Exchanges inferred from encrypted records against the same capture decrypted with its key
/// log (Fixtures/tls, recorded by Fixtures/tls/record.py and checked there against tshark): the
/// key log turns every inferred exchange into a decoded one with the same start, end and sizes.
struct InferredTLSExchangeTests {
    static let scenarios = ["tls13-aes256gcm", "tls13-chacha20-keyupdate", "tls13-aes256gcm-resumed", "tls13-aes128gcm-hrr",
                            "tls12-aes128gcm", "tls12-chacha20", "tls12-aes256cbc-sha384-etm", "tls12-aes128cbc-sha-resumed"]

    static func analyse(_ path: String, keyLog: String? = nil) throws -> AnalysisResult {
        try TestbedCaptureTests.analyse(path, keyLogs: keyLog.map { [$0] } ?? [])
    }

    @Test(arguments: scenarios)
    func inferredExchangesAgreeWithDecryptedOnes(_ scenario: String) throws {
        let capture = ProjectPaths.fixture("tls/\(scenario).pcap")
        let inferred = try Self.analyse(capture)
        let decoded = try Self.analyse(capture, keyLog: ProjectPaths.fixture("tls/\(scenario).keylog"))
        #expect(!decoded.http.isEmpty)
        #expect(decoded.http.allSatisfy { $0.tls && !$0.inferred })
        #expect(inferred.http.allSatisfy { $0.tls && $0.inferred && $0.method.isEmpty && $0.status == nil })
        let disagreements = InferredAgreement.disagreements(inferred: Array(inferred.http), decoded: Array(decoded.http))
        #expect(disagreements.isEmpty, "\(scenario): \(disagreements)")
    }

    @Test func evidenceSaysHowSizesWereReckoned() throws {
        let gcm = try Self.analyse(ProjectPaths.fixture("tls/tls12-aes128gcm.pcap"))
        let first = try #require(gcm.http.first)
        #expect(first.evidence.contains { $0.contains("24 bytes each (8-byte explicit nonce and 16-byte AEAD tag)") })
        #expect(first.evidence.contains { $0.contains("service glance from the server name (SNI) glance.test") })
        #expect(first.minimumBytes == nil)
        let cbc = try Self.analyse(ProjectPaths.fixture("tls/tls12-aes256cbc-sha384-etm.pcap"))
        let ranged = try #require(cbc.http.first)
        #expect(ranged.minimumBytes.map { $0.request < ranged.requestBytes } == true)
        #expect(ranged.evidence.contains { $0.contains("CBC padding") })
    }
}

/// Pairs inferred and decoded exchanges connection by connection, in order, and lists what differs.
enum InferredAgreement {
    static func disagreements(inferred: [HTTPFact], decoded: [HTTPFact]) -> [String] {
        var problems: [String] = []
        let inferredByConnection = Dictionary(grouping: inferred, by: \.client)
        let decodedByConnection = Dictionary(grouping: decoded, by: \.client)
        for (client, decodedExchanges) in decodedByConnection.sorted(by: { $0.key < $1.key }) {
            let guesses = inferredByConnection[client] ?? []
            if guesses.count != decodedExchanges.count {
                problems.append("\(client): \(guesses.count) inferred, \(decodedExchanges.count) decoded")
                continue
            }
            let pairs = Array(zip(guesses.sorted { $0.time < $1.time }, decodedExchanges.sorted { $0.time < $1.time }))
            for (n, (guess, truth)) in pairs.enumerated() {
                let what = "\(client) \(truth.method) \(truth.path)"
                if guess.time != truth.time { problems.append("\(what): start \(guess.time) vs \(truth.time)") }
                // A response delimited by the connection's close ends, decoded, at the FIN; inferred,
                // at its last record (the records cannot say how the body was delimited).
                let closeDelimited = n == pairs.count - 1 && truth.end > guess.end
                if guess.end != truth.end && !closeDelimited { problems.append("\(what): end \(guess.end) vs \(truth.end)") }
                let requestRange = (guess.minimumBytes?.request ?? guess.requestWireBytes)...guess.requestWireBytes
                if !requestRange.contains(truth.requestWireBytes) {
                    problems.append("\(what): request \(requestRange) vs \(truth.requestWireBytes) bytes")
                }
                let responseRange = (guess.minimumBytes?.response ?? guess.responseBytes)...guess.responseBytes
                if !responseRange.contains(truth.responseBytes) {
                    problems.append("\(what): response \(responseRange) vs \(truth.responseBytes) bytes")
                }
            }
        }
        for client in inferredByConnection.keys where decodedByConnection[client] == nil {
            problems.append("\(client): inferred exchanges on a connection with none decoded")
        }
        return problems
    }
}
