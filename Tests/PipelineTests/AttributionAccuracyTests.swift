import Analysis
import Foundation
import TestSupport
import Testing
import Timeline

/// SQL -> HTTP attribution measured against the test bed's server-side tracer (issue 23): on each
/// recorded scenario whose truth has `sql[].http_request`, precision (of the statements attributed,
/// the share given to the right request) and recall (of the statements truth gives to a request,
/// the share given to it), printed for every scenario. Prints the table with:
///
///     swift test --filter AttributionAccuracyTests 2>&1 | grep attribution
@Suite(.serialized) struct AttributionAccuracyTests {
    /// Slim fixtures with the tracer's truth (`Fixtures/captures/testbed/traced/<scenario>/`).
    static let fixtures = TracedFixtures.scenarios

    static func score(_ scenario: String, _ truth: [String: Any], _ result: AnalysisResult) -> AttributionScore {
        let score = AttributionTruth.score(scenario, truth: truth, result: result, attribution: { result.timeline.httpOfSQL[$0] },
                                           ambiguous: { result.timeline.uncertainSQL[$0]?.confidence == .ambiguous })
        print(score)
        return score
    }

    @Test(arguments: fixtures)
    func attributionMatchesTheServersTracer(_ scenario: String) throws {
        let capture = try #require(TracedFixtures.capture(scenario))
        let result = try TestbedCaptureTests.analyse(capture)
        let score = Self.score(scenario, try TracedFixtures.truth(scenario), result)
        #expect(score.truthAttributed > 0, "truth of \(scenario) has no traced statements")
        // The measurement itself: nearly every statement truth knows is found on the wire.
        #expect(Double(score.matched) >= 0.99 * Double(score.truthAttributed))
        Self.expectTargets(score)
    }

    /// Scenarios recorded with the tracer for other issues, measured where their full recordings
    /// are (see `TracedFixtures.fullRecording`; truth is read from there too): a lossy veth path
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
        guard let directory = TracedFixtures.fullRecording(scenario, file: recording.files[0]) else {
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
    @Test(arguments: ["g-tls", "g2-tls12"])
    func attributionThroughTheTLSFrontEnd(_ scenario: String) throws {
        guard let directory = TracedFixtures.fullRecording(scenario, file: "keys.log") else {
            print("attribution \(scenario): recording not found (set GLANCETRACE_TESTBED_CAPTURES): skipped")
            return
        }
        let capture = directory.appendingPathComponent("capture.pcap").path
        let result = try TestbedCaptureTests.analyse(capture, keyLogs: [directory.appendingPathComponent("keys.log").path])
        let score = Self.score(scenario, try FixtureFile.jsonObject(in: directory, named: "truth.json"), result)
        #expect(Double(score.matched) >= 0.99 * Double(score.truthAttributed))
        Self.expectTargets(score)
    }
}
