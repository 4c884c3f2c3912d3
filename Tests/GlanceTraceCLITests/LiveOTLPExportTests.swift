import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `glancetrace capture --otlp-endpoint` on `lo` against a receiver that decodes every export with
/// OpenTelemetry's own definitions (Fixtures/otlp/receiver.py, opentelemetry-proto): every request
/// arrives as a trace with its statements, the same traces `analyze --format otlp` makes of the
/// written file; a receiver that is busy or down loses nothing up to the buffer bound, and what
/// did not fit is reported.
extension LiveTests {
@Suite struct LiveOTLPExportTests {
    /// The receiver, started on `port`, writing one JSON line per span to `spans`.
    final class Receiver {
        let spansPath: String
        private let server: Command

        init(in directory: String, port: UInt16, refuseFirst: Int = 0) throws {
            guard let python = LiveEnvironment.pythonWithOTLP else { throw GlanceTraceBinary.Failure(description: LiveTests.noOTLP) }
            spansPath = directory + "/spans-\(port).jsonl"
            server = try Command(python, [LiveEnvironment.packageRoot + "/Fixtures/otlp/receiver.py", "--port", String(port), "--out", spansPath,
                                          "--refuse-first", String(refuseFirst)], in: directory, name: "receiver-\(port)")
            guard server.waitUntil(timeout: 20, { $0.stdout.contains("ready") }) else {
                server.stop()
                throw GlanceTraceBinary.Failure(description: "receiver.py did not start: \(server.stderr.suffix(800))")
            }
        }

        var spans: [[String: Any]] {
            let text = (try? String(contentsOfFile: spansPath, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        func stop() { server.stop() }
    }

    static func attribute(_ span: [String: Any], _ key: String) -> Any? { (span["attributes"] as? [String: Any])?[key] }

    @Test("every request of a live run reaches the receiver as a trace with its SQL, as analyze makes of the file",
          .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)),
          .enabled(if: LiveEnvironment.canRunMariaDB, .init(rawValue: LiveTests.noMariaDB)),
          .enabled(if: LiveEnvironment.pythonWithOTLP != nil, .init(rawValue: LiveTests.noOTLP)))
    func everyRequestReachesTheReceiver() throws {
        let dir = try LiveEnvironment.temporaryDirectory("otlp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dbPort = LiveEnvironment.port(preferring: 3306), httpPort = LiveEnvironment.port(preferring: 9292)
        let receiverPort = LiveEnvironment.port(preferring: 4318)
        let ports = GlanceTraceBinary.portOptions([dbPort, httpPort])
        let db = try MariaDBServer(in: dir, port: dbPort)
        defer { db.stop() }
        let glance = try GlanceStub(in: dir, port: httpPort, databasePort: dbPort)
        defer { glance.stop() }
        // Busy at first: the exporter has to try again.
        let receiver = try Receiver(in: dir, port: receiverPort, refuseFirst: 2)
        defer { receiver.stop() }

        let file = dir + "/live.pcap"
        let capture = try GlanceTraceBinary.start(["--format", "json", "-w", file, "--otlp-endpoint", "http://127.0.0.1:\(receiverPort)"] + ports, in: dir)
        let client = try glance.drive(name: "otlp-\(getpid())", size: 200_000, images: 2, in: dir)
        usleep(300_000)
        capture.signal(SIGINT)
        let run = capture.wait(timeout: 30)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("0 spans of 0 traces dropped") && run.stderr.contains(" 0 spans undelivered"), "\(run.stderr)")
        #expect(run.stderr.contains("; 2 failed attempts, last: http://127.0.0.1:\(receiverPort)/v1/traces: HTTP 503"), "\(run.stderr)")

        let events = run.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let http = events.filter { $0["event"] as? String == "http" }
        #expect(http.count >= client.calls.count)
        let spans = receiver.spans
        let requests = spans.filter { $0["kind"] as? Int == 2 }, statements = spans.filter { $0["kind"] as? Int == 3 }
        // Every request, by method, path, status and start (the NDJSON time has microseconds).
        func key(method: Any?, path: Any?, status: Any?) -> String { "\(method ?? "-") \(path ?? "-") \(status ?? "-")" }
        let sent = http.map { key(method: $0["method"], path: $0["path"], status: $0["status"]) }.sorted()
        let received = requests.map { key(method: Self.attribute($0, "http.request.method"), path: Self.attribute($0, "url.path"),
                                          status: Self.attribute($0, "http.response.status_code")) }.sorted()
        #expect(received == sent)
        #expect(Set(requests.compactMap { $0["trace"] as? String }).count == requests.count, "one trace per request")
        #expect(requests.allSatisfy { ($0["parent"] as? String) == "" })
        let spanIDs = Dictionary(requests.map { ($0["span"] as? String ?? "", $0["trace"] as? String ?? "") }) { a, _ in a }
        #expect(statements.count >= 3 * client.images.count, "\(statements.count) statement spans")
        print("live OTLP: \(requests.count) request spans, \(statements.count) statement spans; \(run.stderr.split(separator: "\n").last ?? "")")
        for statement in statements {
            #expect(spanIDs[statement["parent"] as? String ?? ""] == statement["trace"] as? String, "a statement's parent is not its request's span")
            #expect(Self.attribute(statement, "db.system.name") as? String == "mysql")
        }
        let writes = statements.compactMap { Self.attribute($0, "db.query.text") as? String }.filter { $0.hasPrefix("UPDATE images SET status='saving'") }
        #expect(writes.count == client.images.count)

        // The written file, analysed afterwards: the same request spans (ids derive from the
        // facts) and the same statements under them.
        let analysis = try Command.run(try GlanceTraceBinary.binary(), ["analyze", "--format", "otlp", "--quiet", file] + ports, timeout: 60)
        #expect(analysis.status == 0, "\(analysis.stderr)")
        let offline = try #require(try JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
        let offlineSpans = ((offline["resourceSpans"] as? [[String: Any]]) ?? []).flatMap { ($0["scopeSpans"] as? [[String: Any]]) ?? [] }
            .flatMap { ($0["spans"] as? [[String: Any]]) ?? [] }
        func pairs(_ list: [[String: Any]], span: String, parent: String) -> Set<String> {
            Set(list.map { "\($0[span] ?? "") \($0[parent] ?? "")" })
        }
        #expect(pairs(offlineSpans, span: "spanId", parent: "parentSpanId") == pairs(spans, span: "span", parent: "parent"),
                "live and offline traces differ")
    }

    @Test("a receiver that is down loses nothing up to the buffer bound; what did not fit is reported",
          .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
          .enabled(if: LiveEnvironment.canCapture, .init(rawValue: LiveTests.noBinary)),
          .enabled(if: LiveEnvironment.pythonWithOTLP != nil, .init(rawValue: LiveTests.noOTLP)))
    func aReceiverThatIsDownLosesNothingUpToTheBound() throws {
        let dir = try LiveEnvironment.temporaryDirectory("otlp-down")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let httpPort = LiveEnvironment.port(preferring: 9292), receiverPort = LiveEnvironment.port(preferring: 4318)
        let ports = GlanceTraceBinary.portOptions([httpPort])
        let glance = try GlanceStub(in: dir, port: httpPort)
        defer { glance.stop() }

        // Without a database each request is one span: four requests, room for three.
        let capture = try GlanceTraceBinary.start(["--format", "json", "--otlp-endpoint", "http://127.0.0.1:\(receiverPort)",
                                                   "--otlp-buffer", "3", "--otlp-protocol", "http/json"] + ports, in: dir)
        let client = try glance.drive(name: "down-\(getpid())", size: 50_000, in: dir)
        #expect(client.calls.count == 4)
        // The requests complete, wait their second, find the receiver down and are kept.
        usleep(2_500_000)
        let receiver = try Receiver(in: dir, port: receiverPort)
        defer { receiver.stop() }
        #expect(capture.waitUntil(timeout: 20) { _ in receiver.spans.count >= 3 }, "the buffered spans did not arrive")
        capture.signal(SIGINT)
        let run = capture.wait(timeout: 30)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let spans = receiver.spans
        #expect(spans.count == 3)
        #expect(spans.allSatisfy { $0["encoding"] as? String == "json" })
        // The first three calls were kept; the fourth did not fit and is counted.
        let paths = spans.compactMap { Self.attribute($0, "url.path") as? String }
        #expect(paths == client.calls.prefix(3).map { $0[1].text })
        #expect(run.stderr.contains("3 spans of 3 traces exported, 1 spans of 1 traces dropped (buffer of 3 spans full), 0 spans undelivered"),
                "\(run.stderr)")
        #expect(run.stderr.contains("failed attempts"), "the receiver was down: \(run.stderr)")
    }
}
}
