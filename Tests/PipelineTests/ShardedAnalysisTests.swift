import Analysis
import CaptureIO
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// Decoding workers (`--threads`, issue 25) must not change a report: every capture analysed on
/// the reading thread alone and with two and three workers gives the same JSON document, text
/// report, exchange lists and warnings.
@Suite struct ShardedAnalysisTests {
    /// Everything a run reports, as text.
    static func reports(_ paths: [String], threads: Int, keyLogs: [String] = [], hashUploads: Bool = true,
                        memoryBudgetBytes: Int? = nil, limits: ShardingLimits = ShardingLimits()) throws -> [String] {
        var options = CaptureAnalysis.Options()
        options.keyLogPaths = keyLogs
        options.threads = threads
        options.hashUploads = hashUploads
        options.sharding = limits
        if let memoryBudgetBytes { options.memoryBudgetBytes = memoryBudgetBytes }
        let result = try CaptureAnalysis(options: options).run(paths: paths)
        return [AnalysisJSON.document(result).serialized(), AnalysisText.report(result), ExchangeListText.http(result),
                ExchangeListText.sql(result), result.warnings.joined(separator: "\n"),
                result.tls.map { "\($0.connection) \($0.summary)" }.joined(separator: "\n")]
    }

    static func expectSameReports(_ paths: [String], keyLogs: [String] = [], hashUploads: Bool = true,
                                  memoryBudgetBytes: Int? = nil, limits: ShardingLimits = ShardingLimits()) throws {
        let one = try reports(paths, threads: 1, keyLogs: keyLogs, hashUploads: hashUploads, memoryBudgetBytes: memoryBudgetBytes)
        for threads in [2, 3] {
            let sharded = try reports(paths, threads: threads, keyLogs: keyLogs, hashUploads: hashUploads,
                                      memoryBudgetBytes: memoryBudgetBytes, limits: limits)
            for (a, b) in zip(one, sharded) where a != b {
                Issue.record("\(paths.joined(separator: ", ")) with \(threads) workers: the report differs from one thread's")
                return
            }
        }
    }

    /// Every capture under Fixtures/captures, with its key log when it has one.
    static let fixtureCaptures: [String] = {
        let root = ProjectPaths.root.appendingPathComponent("Fixtures/captures")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { ($0 as? URL)?.path } ?? []
        return files.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }()

    static func keyLogs(beside capture: String) -> [String] {
        let keys = URL(fileURLWithPath: capture).deletingLastPathComponent().appendingPathComponent("keys.log").path
        return FileManager.default.fileExists(atPath: keys) ? [keys] : []
    }

    @Test func fixturesAreFound() {
        #expect(Self.fixtureCaptures.count >= 15)
    }

    @Test(arguments: fixtureCaptures)
    func fixtureReportsAreTheSameWithWorkers(_ capture: String) throws {
        try Self.expectSameReports([capture], keyLogs: Self.keyLogs(beside: capture))
        // `sql` hashes nothing, so every connection is spread over the workers.
        try Self.expectSameReports([capture], keyLogs: Self.keyLogs(beside: capture), hashUploads: false)
    }

    @Test(arguments: ["g-tls", "g2-tls12"])
    func tlsFixturesWithoutKeysAreTheSame(_ scenario: String) throws {
        let capture = try #require(Self.fixtureCaptures.first { $0.contains("/\(scenario)/") })
        try Self.expectSameReports([capture])
    }

    /// The full test-bed recordings up to 50 MB (`GLANCETRACE_TESTBED_CAPTURES`): uploads hashed
    /// whole, Swift segments chained, TLS decrypted, two captures merged.
    @Test func testbedRecordingsAreTheSameWithWorkers() throws {
        let scenarios = ["a-seed", "c-concurrent", "d-failed", "e-lifecycle", "f-import", "g-tls", "g2-tls12", "p-attribution",
                         "q-seed-scope-nokeys", "r-veth-lossy", "s-mysql-proxy", "t-two-captures", "u-swift-segmented",
                         "u-swift-store"]
        var found = 0
        for scenario in scenarios {
            guard let directory = ProjectPaths.testbedRecording(scenario, holding: [["truth.json"]]) else { continue }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            let captures = files.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
                .map { directory.appendingPathComponent($0).path }
            let size = captures.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
            guard !captures.isEmpty, size <= 50 << 20 else { continue }
            found += 1
            let keys = directory.appendingPathComponent("keys.log").path
            try Self.expectSameReports(captures, keyLogs: FileManager.default.fileExists(atPath: keys) ? [keys] : [])
        }
        if found == 0 { print("test-bed recordings not found (set GLANCETRACE_TESTBED_CAPTURES): skipped") }
    }

    /// Hundreds of interleaved connections, every batch a single event and every queue one batch
    /// deep, packets at one instant (ties in time between connections) or spread, a memory budget
    /// that evicts connections in the middle of their exchanges.
    @Test(arguments: [0, 7], [nil, 96 << 10])
    func manyConnectionsThroughTinyQueues(step: Int64, budget: Int?) throws {
        var capture = TCPConversationCapture(step: step)
        let clients = (0..<300).map { UInt16(40000 + $0) }
        for client in clients { capture.open(client: client, server: 9292) }
        for round in 0..<3 {
            for client in clients {
                let body = "{\"images\": [], \"round\": \(round)}"
                capture.send(client: client, server: 9292, toServer: true,
                             "GET /v2/images?limit=\(round)&c=\(client) HTTP/1.1\r\nHost: glance\r\nX-Auth-Token: secret\(client)\r\n\r\n")
                capture.send(client: client, server: 9292, toServer: false,
                             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
            }
        }
        for client in clients where client % 2 == 0 { capture.close(client: client, server: 9292) }
        let directory = try ProjectPaths.temporaryDirectory("sharded")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("many.pcap").path
        try capture.write(to: path)

        var tiny = ShardingLimits()
        tiny.eventsPerBatch = 1
        tiny.copiedBytesPerBatch = 1
        tiny.mappedBytesPerBatch = 1
        tiny.batchLag = 1
        tiny.queueCapacity = 1
        let one = try Self.reports([path], threads: 1, memoryBudgetBytes: budget)
        #expect(one[2].split(separator: "\n").count >= (budget == nil ? 900 : 1))
        #expect(one[4].contains("evicted") == (budget != nil))
        try Self.expectSameReports([path], memoryBudgetBytes: budget, limits: tiny)
        try Self.expectSameReports([path], hashUploads: false, memoryBudgetBytes: budget, limits: tiny)
    }
}
