import Analysis
import Foundation
@testable import Reports
import Splitting
import TestSupport
import Testing
import Timeline

/// Proxy legs on the test bed's recordings, against the servers' own logs (truth.json):
/// - g-tls, g2-tls12: haproxy terminates TLS 1.3 / 1.2 on 13000/13292 and forwards to uWSGI on
///   5000/9292; haproxy's log lists the front requests, uWSGI's the back ones;
/// - s-mysql-proxy: the services reach MariaDB through haproxy in TCP mode (13306 -> 3306);
///   MariaDB's general log lists each statement once.
///
/// Each runs on the fixture (`Fixtures/captures/testbed/<scenario>/`: the TLS recordings cut with
/// `editcap -A` to their second and third client sessions, the MySQL one `split --slim`), and on
/// the full recording when it is found (see `TestbedCaptures.fullCapture`).
@Suite(.serialized) struct ProxyLegsCaptureTests {
    static func captures(_ scenario: String) -> [(path: String, directory: URL)] {
        var found: [(String, URL)] = []
        if let fixture = TestbedCaptures.fixtureCapture(scenario) { found.append((fixture, TestbedCaptures.directory(scenario))) }
        if let full = TestbedCaptures.fullCapture(scenario) {
            found.append((full, URL(fileURLWithPath: full).deletingLastPathComponent()))
        } else {
            print("\(scenario): full capture not found (set GLANCETRACE_TESTBED_CAPTURES): fixture only")
        }
        return found
    }

    static func port(_ endpoint: String) -> Int { Int(endpoint.split(separator: ":").last ?? "") ?? -1 }

    /// The capture's own time span, in seconds (a cut holds part of the truth's window).
    static func span(_ result: AnalysisResult) -> ClosedRange<Double> {
        let first = result.captures.compactMap(\.first).min()?.secondsValue ?? 0
        let last = result.captures.compactMap(\.last).max()?.secondsValue ?? 0
        return first...last
    }

    @Test(arguments: TestbedCaptures.tlsScenarios)
    func haproxyFrontsAreTheLogicalRequestsAndEachLinksItsBackLeg(_ scenario: String) throws {
        for (path, directory) in Self.captures(scenario) {
            var options = CaptureAnalysis.Options()
            options.keyLogPaths = [directory.appendingPathComponent("keys.log").path]
            let result = try CaptureAnalysis(options: options).run(paths: [path])
            try Self.checkHTTPLegs(try TestbedCaptures.truth(in: directory), result, label: "\(scenario) \(path)")
        }
    }

    static func checkHTTPLegs(_ truth: [String: Any], _ result: AnalysisResult, label: String) throws {
        let span = Self.span(result)
        let entries = (truth["http_requests"] as? [[String: Any]] ?? []).filter { span.contains($0["time"] as? Double ?? 0) }
        let fronts = entries.filter { $0["service"] as? String == "haproxy" }
        var backs = entries.filter { $0["service"] as? String != "haproxy" }
        #expect(!fronts.isEmpty, "\(label): no haproxy entry in the capture's span")
        let links = result.timeline.legs.http
        let logical = result.http.filter { links.isLogical($0.index) }
        #expect(logical.filter(\.tls).count == fronts.count, "\(label): logical TLS requests vs haproxy's log")
        #expect(logical.count == backs.count, "\(label): every uWSGI request once, as itself or as the leg of a front")

        func sameRequest(_ entry: [String: Any], _ fact: HTTPFact) -> Bool {
            entry["method"] as? String == fact.method && entry["status"] as? Int == fact.status
                && (entry["path"] as? String == fact.proxyEvidence.target || entry["path"] as? String == fact.path)
                && entry["port"] as? Int == port(fact.server)
        }
        /// The uWSGI entry of a back leg: by the request id the server answered with, else by time.
        func takeBack(_ fact: HTTPFact) -> [String: Any]? {
            let index = backs.firstIndex { entry in
                guard sameRequest(entry, fact) else { return false }
                if let id = entry["request_id"] as? String { return id == fact.requestID }
                return abs((entry["time"] as? Double ?? 0) - fact.time.secondsValue) < 0.05
            }
            return index.map { backs.remove(at: $0) }
        }
        for entry in fronts {
            // haproxy logs with millisecond resolution, and the client's port.
            let front = try #require(logical.first {
                $0.tls && sameRequest(entry, $0) && port($0.client) == entry["client_port"] as? Int
                    && abs($0.time.secondsValue - (entry["time"] as? Double ?? 0)) < 0.1
            }, "\(label): no logical request for haproxy's \(entry["method"] ?? "") \(entry["path"] ?? "")")
            let legs = links.legs[front.index] ?? []
            #expect(legs.count == 1, "\(label): \(front.method) \(front.path) has \(legs.count) back legs")
            guard let leg = legs.first else { continue }
            let back = result.http[leg]
            #expect(!back.tls && links.legOf[leg] == front.index)
            #expect(takeBack(back) != nil, "\(label): back leg \(back.method) \(back.path) is not the uWSGI request forwarded")
        }
        // What is left are Glance's own calls to Keystone (token validation): logical, plain, no legs.
        for fact in logical where !fact.tls {
            #expect(links.legs[fact.index] == nil)
            #expect(takeBack(fact) != nil, "\(label): \(fact.method) \(fact.path) is a second logical request")
        }
        #expect(backs.isEmpty)

        // Stories list each call once; SQL belongs to logical requests.
        for image in result.timeline.images {
            #expect(image.http.allSatisfy(links.isLogical))
            #expect(Set(image.http.map { result.http[$0].time }).count == image.http.count)
            for transition in image.transitions { #expect(transition.http.map(links.isLogical) ?? true) }
            let story = AnalysisText.describe(image, in: result)
            for index in image.http {
                let fact = result.http[index]
                let line = "  \(fact.method) \(fact.path) -> "
                #expect(story.components(separatedBy: line).count - 1
                            == image.http.filter { result.http[$0].method == fact.method && result.http[$0].path == fact.path }.count)
            }
            #expect(story.contains("hops: client -> :13292 (TLS 1."))
        }
        #expect(result.timeline.httpOfSQL.values.allSatisfy(links.isLogical))
        #expect(result.timeline.sqlOfHTTP.keys.allSatisfy(links.isLogical))
        #expect(AnalysisText.report(result).contains("HTTP requests: \(logical.count) "))
    }

    @Test func mysqlThroughAProxyCountsEachStatementOnce() throws {
        let scenario = "s-mysql-proxy"
        for (path, directory) in Self.captures(scenario) {
            let result = try CaptureAnalysis(options: .init()).run(paths: [path])
            try Self.checkSQLLegs(try TestbedCaptures.truth(in: directory), result, label: "\(scenario) \(path)")
        }
    }

    static func checkSQLLegs(_ truth: [String: Any], _ result: AnalysisResult, label: String) throws {
        let links = result.timeline.legs.sql
        let window = TestbedCaptures.window(truth)
        // The general log's Query and Connect rows (a reduced truth keeps the Query ones only).
        let logged = (truth["sql"] as? [[String: Any]] ?? []).filter { ["Query", "Connect"].contains($0["command"] as? String ?? "") }
        let commands = Set(logged.compactMap { $0["command"] as? String })
        let logical = result.sql.filter { links.isLogical($0.index) && commands.contains($0.command.name) && window.contains($0.time.secondsValue) }
        #expect(logical.count == logged.count, "\(label): each statement of the general log once")
        #expect(logical.map(\.statement).sorted() == logged.map { $0["statement"] as? String ?? "" }.sorted())
        #expect(logical.allSatisfy { port($0.server) == 3306 }, "\(label): the leg nearest the server is the one counted")

        // haproxy's TCP log pairs each front connection (service -> 13306) with its back one.
        let notes = truth["scenario_notes"] as? [String: Any] ?? [:]
        var backPortOfFront: [Int: Int] = [:]
        for session in notes["haproxy_tcp_sessions"] as? [[String: Any]] ?? [] {
            if let front = session["client_port"] as? Int, let back = session["backend_source_port"] as? Int { backPortOfFront[front] = back }
        }
        #expect(!backPortOfFront.isEmpty)
        for fact in result.sql where port(fact.server) == 13306 {
            let twin = try #require(links.legOf[fact.index], "\(label): \(fact.command) on \(fact.client) not linked")
            let server = result.sql[twin]
            #expect(backPortOfFront[port(fact.client)] == port(server.client), "\(label): linked across haproxy's sessions")
            // The relay's order, but for the login, which the server's greeting starts.
            #expect(server.statement == fact.statement && server.end <= fact.end)
            #expect(server.time >= fact.time || fact.command == .connect)
            #expect(result.timeline.httpOfSQL[fact.index] == result.timeline.httpOfSQL[twin])
        }
        // The summary counts each statement once.
        #expect(SQLSummary(result.sql, legs: links).commands == result.sql.count - links.legOf.count)
        #expect(SQLSummary(result.sql, legs: links).relayedTwins == links.legOf.count)

        // Attributed to the request the server-side tracer saw issue it.
        let requests = truth["http_requests"] as? [[String: Any]] ?? []
        var byConnection: [Int: [SQLFact]] = [:]
        for fact in logical { byConnection[fact.threadID ?? -1, default: []].append(fact) }
        var agreeing = 0
        for row in logged {
            guard let request = row["http_request"] as? Int, requests.indices.contains(request),
                  var queue = byConnection[row["connection_id"] as? Int ?? -2],
                  let position = queue.firstIndex(where: { $0.statement == row["statement"] as? String }) else { continue }
            let fact = queue.remove(at: position)
            byConnection[row["connection_id"] as? Int ?? -2] = queue
            guard let attributed = result.timeline.httpOfSQL[fact.index] else { continue }
            let exchange = result.http[attributed], entry = requests[request]
            if exchange.method == entry["method"] as? String, exchange.path == entry["path"] as? String,
               abs(exchange.time.secondsValue - (entry["time"] as? Double ?? 0)) < 0.05 { agreeing += 1 }
        }
        #expect(agreeing == logged.count, "\(label): statements attributed as the tracer saw them")
    }

    /// Without the proxy's client-side leg (the capture filtered to 3306), or with it alone (13306),
    /// every statement is attributed to the same request, and one leg alone links nothing.
    @Test func attributionIsTheSameWithOrWithoutTheProxyLeg() throws {
        let path = try #require(TestbedCaptures.fixtureCapture("s-mysql-proxy"))
        let full = try CaptureAnalysis(options: .init()).run(paths: [path])
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for dropped: UInt16 in [13306, 3306] {
            // The project's own splitter with a BPF filter (`split -c N --filter 'not port P'`).
            var configuration = SplitConfiguration(boundary: .packets(100_000_000))
            configuration.filter = "not port \(dropped)"
            let summary = try CaptureSplitter(configuration: configuration)
                .split(input: path, output: directory.appendingPathComponent("without-\(dropped).pcap").path)
            let legPath = try #require(summary.pieces.first?.path)
            let one = try CaptureAnalysis(options: .init()).run(paths: [legPath])
            #expect(one.timeline.legs.sql.isEmpty, "one leg alone: nothing to link")
            #expect(one.sql.count == full.sql.count - full.timeline.legs.sql.legOf.count)
            // Statements in order on both sides (same commands, same order by start).
            let kept = full.sql.filter { Self.port($0.server) != Int(dropped) }
            #expect(kept.map(\.statement) == one.sql.map(\.statement))
            #expect(kept.filter { full.timeline.httpOfSQL[$0.index] != nil }.count > kept.count * 9 / 10)
            for (a, b) in zip(kept, one.sql) {
                let request = full.timeline.httpOfSQL[a.index].map { full.http[$0] }
                let alone = one.timeline.httpOfSQL[b.index].map { one.http[$0] }
                #expect(request?.time == alone?.time && request?.path == alone?.path, "\(b.statement.prefix(60))")
            }
        }
    }
}
