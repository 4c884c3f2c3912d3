import Analysis
import CaptureIO
import Foundation
import TestSupport
import Testing
import Timeline

/// Issue 21's acceptance on the test bed's TLS scenarios, captured like the article's tcpdump
/// (`port 13000 or port 3306 or port 13292`) and analysed without keys; truth is haproxy's own
/// log of the front-end requests in truth.json (ms resolution, the request's receipt time).
///
/// `q-seed-scope-nokeys` (TLS 1.3, recorded filtered, no key log) is a fixture; `g-tls` (TLS 1.3)
/// and `g2-tls12` (TLS 1.2, ECDHE-RSA-AES256-GCM) are full captures found as TestbedCaptures
/// finds them, filtered here with tcpdump, and also decrypted with their key logs to check that
/// the decoded exchanges have the inferred ones' count, times and sizes.
@Suite(.serialized) struct InferredTLSTestbedTests {
    static let articleFilter = "tcp port 13000 or tcp port 3306 or tcp port 13292"

    @Test func seedScopeWithoutKeysMatchesHAProxyLog() throws {
        let capture = try #require(TestbedCaptures.fixtureCapture("q-seed-scope-nokeys"))
        let truth = try TestbedCaptures.truth("q-seed-scope-nokeys")
        let result = try InferredTLSExchangeTests.analyse(capture)
        try Self.checkAgainstHAProxyLog(truth, result, scenario: "q-seed-scope-nokeys", haproxyLag: 0)
    }

    @Test(arguments: TestbedCaptures.tlsScenarios)
    func articleScopeWithoutKeysMatchesHAProxyLogAndKeysAgree(_ scenario: String) throws {
        guard let full = TestbedCaptures.fullCapture(scenario) else {
            print("\(scenario): full capture not found (set GLANCETRACE_TESTBED_CAPTURES): skipped")
            return
        }
        let directory = URL(fileURLWithPath: full).deletingLastPathComponent()
        let truth = try #require(try TestbedCaptures.truth(besideCapture: full), "\(scenario): no truth.json beside the capture")
        let temporary = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temporary) }
        let scoped = temporary.appendingPathComponent("\(scenario)-article-scope.pcap").path
        guard let status = try ExternalTool.runIfInstalled("tcpdump", ["-r", full, "-w", scoped, Self.articleFilter])?.status else {
            print("\(scenario): tcpdump not installed: skipped")
            return
        }
        try #require(status == 0)
        let inferred = try InferredTLSExchangeTests.analyse(scoped)
        // These recordings were made on a loaded machine: haproxy stamped some requests up to 11 ms
        // after their first record was on the wire (the decrypted exchange starts at the same
        // instant as the inferred one, below), so its log may lag by that much; never lead.
        try Self.checkAgainstHAProxyLog(truth, inferred, scenario: scenario, haproxyLag: 0.015)

        let decoded = try InferredTLSExchangeTests.analyse(scoped, keyLog: directory.appendingPathComponent("keys.log").path)
        let tls = decoded.http.filter(\.tls)
        #expect(tls.allSatisfy { !$0.inferred })
        let disagreements = InferredAgreement.disagreements(inferred: inferred.http.filter(\.inferred), decoded: tls)
        #expect(disagreements.isEmpty, "\(scenario): \(disagreements)")
        print("\(scenario) with keys.log: \(tls.count) decoded exchanges, \(inferred.http.filter(\.inferred).count) inferred, "
              + "\(disagreements.count) disagreements in count, start, end, request and response bytes")
        // Each inferred operation is the decoded one, or "unknown" for what wrote nothing.
        for (guess, known) in zip(inferred.http.filter(\.inferred).sorted { $0.time < $1.time }, tls.sorted { $0.time < $1.time }) {
            #expect(guess.operation == known.operation || guess.operation == "unknown",
                    "\(known.method) \(known.path) (\(known.operation)) inferred as \(guess.operation)")
        }
    }

    /// The operation an inferred exchange must be named for a request haproxy logged, when the
    /// request changes an image or issues a token; nil when "unknown" (or a read) is right.
    static func expectedOperation(method: String, path: String) -> String? {
        let parts = path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        switch (method, parts.count) {
        case ("POST", 3) where parts == ["v3", "auth", "tokens"]: return "token-issue"
        case ("POST", 2) where parts == ["v2", "images"]: return "image-create"
        case ("PUT", 4) where parts[3] == "file": return "image-upload"
        case ("PUT", 4) where parts[3] == "stage": return "image-stage"
        case ("POST", 4) where parts[3] == "import": return "image-import"
        case ("PATCH", 3): return "image-update"
        case ("DELETE", 3): return "image-delete"
        case ("POST", 5) where parts[3] == "actions": return "image-" + parts[4]
        default: return nil
        }
    }

    static let changingOperations: Set<String> = ["token-issue", "image-create", "image-upload", "image-stage", "image-import",
                                                  "image-update", "image-delete", "image-deactivate", "image-reactivate"]

    /// Each logged request must have an inferred exchange starting within 2 ms of haproxy's time,
    /// or up to `haproxyLag` seconds before it (haproxy stamps a request when its event loop
    /// reads it: later than the wire when it is busy).
    static func checkAgainstHAProxyLog(_ truth: [String: Any], _ result: AnalysisResult, scenario: String,
                                       haproxyLag: Double) throws {
        let window = TestbedCaptures.window(truth)
        let logged = (truth["http_requests"] as? [[String: Any]] ?? []).filter { $0["service"] as? String == "haproxy" }
        try #require(!logged.isEmpty, "\(scenario): no haproxy entries in truth.json")
        let inferred = result.http.filter { $0.inferred && $0.time.secondsValue >= window.lowerBound - 0.002
            && $0.time.secondsValue <= window.upperBound }
        var used = Set<Int>()
        var found = 0, within2ms = 0, worstOffset = 0.0, named = 0, changes = 0
        var problems: [String] = []
        for entry in logged {
            let time = entry["time"] as? Double ?? 0
            let port = entry["port"] as? Int ?? 0
            let clientPort = entry["client_port"] as? Int
            let method = entry["method"] as? String ?? "", path = entry["path"] as? String ?? ""
            let candidates = inferred.indices.filter { i in
                !used.contains(i) && inferred[i].server.hasSuffix(":\(port)")
                    && (clientPort.map { inferred[i].client.hasSuffix(":\($0)") } ?? true)
                    && inferred[i].time.secondsValue - time <= 0.002 && time - inferred[i].time.secondsValue <= max(haproxyLag, 0.002)
            }
            guard let best = candidates.min(by: { abs(inferred[$0].time.secondsValue - time) < abs(inferred[$1].time.secondsValue - time) }) else {
                problems.append("not found: \(method) \(path) at \(time) on :\(port)")
                continue
            }
            used.insert(best)
            found += 1
            let exchange = inferred[best]
            let offset = abs(exchange.time.secondsValue - time)
            worstOffset = max(worstOffset, offset * 1000)
            if offset <= 0.002 { within2ms += 1 }
            if let expected = expectedOperation(method: method, path: path) {
                changes += 1
                let segments = path.split(separator: "/")
                let id = segments.count > 2 && segments[1] == "images" ? String(segments[2]) : nil
                if exchange.operation.rawValue == expected, id == nil || exchange.imageID == id {
                    named += 1
                } else {
                    problems.append("\(method) \(path) named \(exchange.operation) (image \(exchange.imageID ?? "none"))")
                }
            } else if changingOperations.contains(exchange.operation.rawValue) {
                problems.append("\(method) \(path) named \(exchange.operation), which it is not")
            }
        }
        let extra = inferred.indices.filter { !used.contains($0) }
        for i in extra { problems.append("inferred exchange haproxy did not log: \(inferred[i].client) -> \(inferred[i].server) at \(inferred[i].time)") }
        print("\(scenario) without keys: \(found)/\(logged.count) haproxy requests found as inferred exchanges "
              + "(\(String(format: "%.1f", 100 * Double(found) / Double(logged.count)))%), \(within2ms) starting within 2 ms of "
              + "haproxy's time, largest offset \(String(format: "%.3f", worstOffset)) ms, \(named)/\(changes) image changes and token issues named right, "
              + "\(extra.count) inferred exchanges haproxy did not log")
        #expect(Double(found) >= 0.95 * Double(logged.count), "\(scenario): \(problems)")
        #expect(named == changes, "\(scenario): \(problems)")
        #expect(extra.isEmpty, "\(scenario): \(problems)")
        #expect(problems.isEmpty, "\(scenario): \(problems)")

        // The lifecycle from SQL, each step citing the encrypted call that caused it.
        let expected = truth["image_status_transitions"] as? [String: [String]] ?? [:]
        for (id, statuses) in expected {
            let image = try #require(result.timeline.images.first { $0.id == id })
            #expect(image.transitions.map(\.status) == statuses)
            for transition in image.transitions {
                let call = try #require(transition.http, "\(transition.status) not attributed to a call")
                #expect(result.http[call].inferred && result.http[call].imageID == id)
            }
            let upload = try #require(image.upload)
            #expect(upload.inferred && upload.sizeMatches == true && upload.matchesChecksum == nil)
        }
    }
}
