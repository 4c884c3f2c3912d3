import Foundation
import Testing
import Timeline

/// SQL -> HTTP attribution measured against the test bed's server-side tracer (issue 23): on each
/// recorded scenario whose truth has `sql[].http_request`, precision (of the statements attributed,
/// the share given to the right request) and recall (of the statements truth gives to a request,
/// the share given to it), printed for every scenario. Prints the table with:
///
///     swift test --filter AttributionAccuracyTests 2>&1 | grep attribution
@Suite(.serialized) struct AttributionAccuracyTests {
    /// Slim fixtures with the tracer's truth (`Fixtures/captures/testbed/<scenario>/`).
    static let fixtures = ["p-attribution", "a-seed", "c-concurrent", "d-failed", "e-lifecycle", "f-import"]

    static func measure(_ scenario: String, capture: String, keyLogs: [String] = []) throws -> AttributionScore {
        let truth = try TestbedCaptures.truth(scenario)
        let result = try TestbedCaptureTests.analyse(capture, keyLogs: keyLogs)
        return score(scenario, truth, result)
    }

    static func score(_ scenario: String, _ truth: [String: Any], _ result: AnalysisResult) -> AttributionScore {
        let score = AttributionTruth.score(scenario, truth: truth, result: result, attribution: { result.timeline.httpOfSQL[$0] },
                                           ambiguous: { result.timeline.uncertainSQL[$0]?.confidence == .ambiguous })
        print(score)
        return score
    }

    @Test(arguments: fixtures)
    func attributionMatchesTheServersTracer(_ scenario: String) throws {
        let capture = try #require(TestbedCaptures.fixtureCapture(scenario))
        let score = try Self.measure(scenario, capture: capture)
        #expect(score.truthAttributed > 0, "truth of \(scenario) has no traced statements")
        // The measurement itself: nearly every statement truth knows is found on the wire.
        #expect(Double(score.matched) >= 0.99 * Double(score.truthAttributed))
        Self.expectTargets(score)
    }

    /// Scenarios recorded with the tracer for other issues, measured where their full recordings
    /// are (see `TestbedCaptures.fullCapture`; truth is read from there too): a lossy veth path
    /// whose capture sees the clients' calls but not Glance's calls to Keystone on lo, the same
    /// split into two captures with the database host's clock 2.75 s ahead (corrected with
    /// --time-offset), both MySQL legs through haproxy, and Glance on a Swift store.
    static let recordings: [(scenario: String, files: [String], offsets: [String: Double])] = [
        ("r-veth-lossy", ["capture.pcapng"], [:]),
        ("t-two-captures", ["api.pcap", "db.pcap"], ["db.pcap": -2.75]),
        ("s-mysql-proxy", ["capture.pcap"], [:]),
        ("u-swift-store", ["capture.pcap"], [:]),
    ]

    @Test(arguments: recordings.map(\.scenario))
    func attributionOnOtherRecordings(_ scenario: String) throws {
        let recording = try #require(Self.recordings.first { $0.scenario == scenario })
        guard let directory = TestbedCaptures.fullRecording(scenario, file: recording.files[0]) else {
            print("attribution \(scenario): recording not found (set GLANCETRACE_TESTBED_CAPTURES): skipped")
            return
        }
        let paths = recording.files.map { directory.appendingPathComponent($0).path }
        var options = CaptureAnalysis.Options()
        for (file, seconds) in recording.offsets {
            options.timeOffsets[directory.appendingPathComponent(file).path] = Int64(seconds * 1e9)
        }
        let result = try CaptureAnalysis(options: options).run(paths: paths)
        let truth = try FixtureFile.jsonObject(in: directory, named: "truth.json")
        let score = Self.score(scenario, truth, result)
        #expect(score.truthAttributed > 0)
        #expect(score.precision >= 0.99, "\(score)")
        // What a capture lacks no tool can attribute: recall over the requests it holds.
        #expect(score.recallOfCaptured >= 0.97, "\(score)")
    }

    /// Issue 23's targets.
    static func expectTargets(_ score: AttributionScore) {
        #expect(score.precision >= 0.99, "\(score)")
        #expect(score.recall >= 0.97, "\(score)")
    }

    /// The TLS front end's scenarios, decrypted with their key logs: their captures are too large
    /// for fixtures and are measured where the recordings are (see `TestbedCaptures.fullCapture`).
    @Test(arguments: TestbedCaptures.tlsScenarios)
    func attributionThroughTheTLSFrontEnd(_ scenario: String) throws {
        guard let capture = TestbedCaptures.fullCapture(scenario) else {
            print("attribution \(scenario): full capture not found (set GLANCETRACE_TESTBED_CAPTURES): skipped")
            return
        }
        let keyLog = TestbedCaptures.directory(scenario).appendingPathComponent("keys.log").path
        let score = try Self.measure(scenario, capture: capture, keyLogs: [keyLog])
        #expect(Double(score.matched) >= 0.99 * Double(score.truthAttributed))
        Self.expectTargets(score)
    }
}
