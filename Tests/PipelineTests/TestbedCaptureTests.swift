import Analysis
import CaptureIO
import Foundation
import TestSupport
import Testing
import Timeline

/// The test bed's other scenarios (../shared/testbed: concurrent uploads, failed uploads, image
/// import, TLS 1.3 and 1.2 front ends, `tcpdump -i any`, dumpcap pcapng), checked end to end
/// against the servers' own logs in each reduced truth file (uWSGI/haproxy access logs, MariaDB's
/// general log, `openstack image show` and the images table), as CaptureAnalysisTests does for
/// the shared captures.
///
/// The fixtures are `split --slim` copies (headers, JSON and MySQL kept, image bytes cut), so
/// upload hashes cannot be verified and cut uploads show as incomplete requests. The TLS captures
/// cannot be slimmed (the upload is encrypted) and are 9 MB each: only their reduced truth and key
/// log are fixtures, and their tests run when the full captures are found (see `TestbedCaptures`).
@Suite(.serialized) struct TestbedCaptureTests {
    /// One capture analysed as `glancetrace analyze` does, with TLS key logs and server ports
    /// to watch besides the defaults: the pipeline tests' one way to run an analysis.
    static func analyse(_ path: String, keyLogs: [String] = [], watching ports: Set<UInt16> = []) throws -> AnalysisResult {
        var options = CaptureAnalysis.Options()
        options.keyLogPaths = keyLogs
        options.watchedPorts.formUnion(ports)
        return try CaptureAnalysis(options: options).run(paths: [path])
    }

    @Test(arguments: TestbedCaptures.fixtures)
    func slimCaptureMatchesTheServersLogs(_ scenario: String) throws {
        let truth = try TestbedCaptures.truth(scenario)
        let capture = try #require(TestbedCaptures.fixtureCapture(scenario))
        let result = try Self.analyse(capture)
        try TruthCheck.all(truth, result, uploadBytesCaptured: false)
    }

    @Test(arguments: TestbedCaptures.tlsScenarios)
    func tlsCaptureDecryptsToTheServersLogs(_ scenario: String) throws {
        guard let capture = TestbedCaptures.fullCapture(scenario) else {
            print("\(scenario): full capture not found (set GLANCETRACE_TESTBED_CAPTURES): skipped")
            return
        }
        // A capture goes with its own truth and key log (a re-recording changes ids, times and keys).
        let truth = try TestbedCaptures.truth(besideCapture: capture) ?? TestbedCaptures.truth(scenario)
        let beside = URL(fileURLWithPath: capture).deletingLastPathComponent().appendingPathComponent("keys.log").path
        let keyLog = FileManager.default.fileExists(atPath: beside) ? beside
            : TestbedCaptures.directory(scenario).appendingPathComponent("keys.log").path
        let result = try Self.analyse(capture, keyLogs: [keyLog])
        // The access logs hold haproxy's TLS side and uWSGI's plain side: both must be there.
        try TruthCheck.all(truth, result, uploadBytesCaptured: true)

        let tlsPorts: Set<String> = ["13000", "13292"]
        let onTLSPort = { (fact: HTTPFact) in tlsPorts.contains(String(fact.server.split(separator: ":").last ?? "")) }
        #expect(result.http.allSatisfy { $0.tls == onTLSPort($0) })
        let notes = truth["scenario_notes"] as? [String: Any] ?? [:]
        let decryptedByTshark = try #require(notes["tshark_decrypted_http_requests_on_tls_ports"] as? Int)
        #expect(result.http.filter(\.tls).count == decryptedByTshark)

        // haproxy forwards each TLS request as a plain one while it is in progress.
        let plain = result.http.filter { !$0.tls }
        for exchange in result.http where exchange.tls {
            #expect(plain.contains {
                $0.method == exchange.method && $0.path == exchange.path && $0.status == exchange.status
                    && $0.time >= exchange.time && $0.time <= exchange.end
            }, "no proxied twin of \(exchange.method) \(exchange.path)")
        }

        // The same client flow as the plain warm seed scenario (h-any-sll2): same operations on
        // the plain side, same statuses, and the client's requests all on the TLS side.
        let seedCapture = try #require(TestbedCaptures.fixtureCapture("h-any-sll2"))
        let seed = try Self.analyse(seedCapture)
        #expect(plain.map(\.operation) == seed.http.map(\.operation))
        #expect(result.http.filter(\.tls).map(\.operation) == seed.http.filter { $0.operation != "token-validate" }.map(\.operation))
        #expect(result.timeline.images.map { $0.transitions.map(\.status) } == seed.timeline.images.map { $0.transitions.map(\.status) })
        #expect(result.timeline.images.map(\.properties.count) == seed.timeline.images.map(\.properties.count))
        let image = try #require(result.timeline.images.first)
        #expect(image.upload?.matchesChecksum == true, "the full capture has every uploaded byte")
    }

    @Test func killedAndRefusedUploadsAreReported() throws {
        let truth = try TestbedCaptures.truth("d-failed")
        let result = try Self.analyse(try #require(TestbedCaptures.fixtureCapture("d-failed")))
        let idsByName = Dictionary((truth["images"] as? [[String: Any]] ?? []).compactMap { entry -> (String, String)? in
            let summary = entry["summary"] as? [String: Any] ?? [:]
            guard let name = summary["name"] as? String, let id = summary["id"] as? String else { return nil }
            return (name, id)
        }, uniquingKeysWith: { a, _ in a })
        let failed = result.timeline.anomalies.filter { $0.kind == .uploadFailed }
        let interrupted = try #require(idsByName["interrupted-upload"])
        let refused = try #require(idsByName["format-mismatch"])
        let empty = try #require(idsByName["no-data-image"])
        // Killed client: Glance answered 500 to nobody and set the image back to queued.
        #expect(failed.contains { $0.message.contains(interrupted) && $0.message.contains("saving -> queued") && $0.message.contains("500") })
        // The format inspector refused the bytes (415), the image went back to queued, the client deleted it.
        #expect(failed.contains { $0.message.contains(refused) && $0.message.contains("415") })
        #expect(!failed.contains { $0.message.contains(empty) })
        #expect(failed.count == 2)
        #expect(result.timeline.anomalies.contains { $0.kind == .httpServerError && $0.message.contains(interrupted) })
    }

    @Test func importTaskWritesBelongToTheImportRequest() throws {
        let result = try Self.analyse(try #require(TestbedCaptures.fixtureCapture("f-import")))
        #expect(result.timeline.images.count == 2)
        for image in result.timeline.images {
            #expect(image.transitions.map(\.status) == ["queued", "uploading", "importing", "active"])
            // importing and active are written by the task Glance runs after answering 202.
            for transition in image.transitions.suffix(2) {
                let request = try #require(transition.http)
                #expect(result.http[request].operation == "image-import")
                #expect(result.http[request].imageID == image.id)
            }
            #expect(result.http[try #require(image.transitions[1].http)].operation == "image-stage")
        }
        let taskUpdates = result.sql.filter { $0.statement.hasPrefix("UPDATE tasks SET status=") }
        #expect(taskUpdates.count >= 4)
        for update in taskUpdates {
            let request = try #require(result.timeline.httpOfSQL[update.index])
            #expect(result.http[request].operation == "image-import")
        }
    }

    @Test func linkLayersAndPrecisionAsRecorded() throws {
        let any = try Self.analyse(try #require(TestbedCaptures.fixtureCapture("h-any-sll2")))
        #expect(any.captures.first?.linkTypes.map(\.rawValue) == [276])  // LINKTYPE_LINUX_SLL2
        let pcapng = try Self.analyse(try #require(TestbedCaptures.fixtureCapture("h-pcapng")))
        #expect(pcapng.precision == .nanoseconds)
        #expect(pcapng.captures.first?.info.format == .pcapng)
    }
}

/// The test bed fixtures (`Fixtures/captures/testbed/<scenario>/`) and, for the TLS scenarios, the
/// full captures: `$GLANCETRACE_TESTBED_CAPTURES/<scenario>/`, else `testbed-captures/` next to
/// the worktrees (where `TB_CAPTURES=... run-scenarios.sh` wrote them on the development machine).
enum TestbedCaptures {
    static let fixtures = ["c-concurrent", "d-failed", "f-import", "h-any-sll2", "h-pcapng"]
    static let tlsScenarios = ["g-tls", "g2-tls12"]

    static func directory(_ scenario: String) -> URL {
        ProjectPaths.root.appendingPathComponent("Fixtures/captures/testbed/\(scenario)")
    }

    static func fixtureCapture(_ scenario: String) -> String? { capture(in: directory(scenario)) }

    static func fullCapture(_ scenario: String) -> String? {
        ProjectPaths.testbedRecording(scenario, holding: [["capture.pcap", "capture.pcapng"]]).flatMap(capture(in:))
    }

    static func capture(in directory: URL) -> String? {
        ["capture.pcap", "capture.pcapng"].map { directory.appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    static func truth(_ scenario: String) throws -> [String: Any] {
        try truth(in: directory(scenario))
    }

    static func truth(in directory: URL) throws -> [String: Any] {
        try FixtureFile.jsonObject(in: directory, named: "truth.json")
    }

    /// The truth.json recorded with a full capture, in the capture's folder; nil when there is none.
    static func truth(besideCapture capture: String) throws -> [String: Any]? {
        let directory = URL(fileURLWithPath: capture).deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("truth.json").path) else { return nil }
        return try truth(in: directory)
    }

    static func window(_ truth: [String: Any]) -> ClosedRange<Double> {
        let w = truth["window"] as? [String: Any] ?? [:]
        return ((w["start"] as? Double) ?? 0)...((w["end"] as? Double) ?? .infinity)
    }
}
