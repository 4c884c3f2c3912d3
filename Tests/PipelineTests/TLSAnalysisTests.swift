import Analysis
import Foundation
import TestSupport
import Testing
import Timeline

/// TLS on the public endpoints, end to end: the recorded loopback sessions decrypt with their
/// key log (given on the command line, or injected into the pcapng as a Decryption Secrets
/// Block by editcap) into the same HTTP exchanges the recording script sent.
@Suite struct TLSAnalysisTests {
    static let scenarios = ["tls13-aes256gcm", "tls13-chacha20-keyupdate", "tls12-aes128gcm", "tls12-chacha20",
                            "tls12-aes256cbc-sha384-etm", "tls12-aes128cbc-sha-resumed"]

    @Test(arguments: scenarios)
    func keyLogDecryptsTheExchanges(_ scenario: String) throws {
        let capture = ProjectPaths.fixture("tls/\(scenario).pcap")
        let result = try TestbedCaptureTests.analyse(capture, keyLogs: [ProjectPaths.fixture("tls/\(scenario).keylog")])
        // record.py sends: GET /v2/images, PUT .../file with 3000 bytes, GET the image, per connection.
        #expect(!result.http.isEmpty)
        #expect(result.http.allSatisfy { $0.tls })
        #expect(result.http.contains { $0.operation == "image-upload" && $0.requestBytes == 3000 })
        #expect(result.tls.allSatisfy { $0.summary.contains("decrypted") && !$0.summary.contains("not decrypted") })
    }

    /// Without keys the handshake is reported, and the exchanges are inferred from the records
    /// (issue 21): three per connection, as record.py sent them, with no request line.
    @Test(arguments: scenarios)
    func withoutKeysTheExchangesAreInferredFromTheRecords(_ scenario: String) throws {
        let result = try TestbedCaptureTests.analyse(ProjectPaths.fixture("tls/\(scenario).pcap"))
        #expect(result.http.count == 3 * result.tls.count)
        #expect(result.http.allSatisfy { $0.inferred && $0.tls && $0.method.isEmpty && $0.status == nil })
        #expect(!result.tls.isEmpty)
        #expect(result.tls.allSatisfy { $0.summary.contains("not decrypted: no key for this session") })
    }

    /// The TLS fixture `scenario` with its key log injected by editcap as a pcapng DSB, written
    /// into `directory`; nil (with a note) where editcap is not installed.
    static func captureWithInjectedSecrets(_ scenario: String, in directory: URL) throws -> String? {
        let injected = directory.appendingPathComponent("injected.pcapng").path
        guard let run = try ExternalTool.runIfInstalled("editcap", ["--inject-secrets", "tls,\(ProjectPaths.fixture("tls/\(scenario).keylog"))",
                                                          ProjectPaths.fixture("tls/\(scenario).pcap"), injected]) else {
            print("editcap is not installed: DSB injection not checked")
            return nil
        }
        #expect(run.status == 0)
        return injected
    }

    @Test func secretsInjectedByEditcapDecryptWithoutAnOption() throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = "tls13-aes256gcm"
        guard let injected = try Self.captureWithInjectedSecrets(scenario, in: directory) else { return }
        let result = try TestbedCaptureTests.analyse(injected)
        let expected = try TestbedCaptureTests.analyse(ProjectPaths.fixture("tls/\(scenario).pcap"),
                                        keyLogs: [ProjectPaths.fixture("tls/\(scenario).keylog")])
        #expect(result.http.map { "\($0.method) \($0.path) \($0.status ?? 0)" }
                == expected.http.map { "\($0.method) \($0.path) \($0.status ?? 0)" })
        #expect(!result.http.isEmpty)
    }
}
