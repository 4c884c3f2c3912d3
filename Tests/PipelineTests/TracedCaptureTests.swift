import Foundation
import TestSupport
import Testing
import Timeline

/// The traced test bed recordings (`Fixtures/captures/testbed/traced/`, issue 23), and the full
/// recordings they were cut from where those are.
enum TracedFixtures {
    static let scenarios = ["p-attribution", "a-seed", "c-concurrent", "d-failed", "e-lifecycle", "f-import"]

    static func directory(_ scenario: String) -> URL {
        ProjectPaths.root.appendingPathComponent("Fixtures/captures/testbed/traced/\(scenario)")
    }

    static func capture(_ scenario: String) -> String? { TestbedCaptures.capture(in: directory(scenario)) ?? gzipped(directory(scenario)) }

    static func gzipped(_ directory: URL) -> String? {
        ["capture.pcap.gz", "capture.pcapng.gz"].map { directory.appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    static func truth(_ scenario: String) throws -> [String: Any] {
        try FixtureFile.jsonObject(in: directory(scenario), named: "truth.json")
    }

    /// The directory of a full recording holding `file` and its truth.json: as
    /// `TestbedCaptures.fullCapture` looks for captures.
    static func fullRecording(_ scenario: String, file: String) -> URL? {
        ProjectPaths.testbedRecording(scenario, holding: [[file], ["truth.json"]])
    }
}

/// The traced recordings checked end to end as `TestbedCaptureTests` checks the others.
@Suite(.serialized) struct TracedCaptureTests {
    @Test(arguments: TracedFixtures.scenarios)
    func slimCaptureMatchesTheServersLogs(_ scenario: String) throws {
        var truth = try TracedFixtures.truth(scenario)
        let result = try TestbedCaptureTests.analyse(try #require(TracedFixtures.capture(scenario)))
        // An image made before the capture (p-attribution's attr-base, shown in loops) has no
        // status write in the general log: the one status the API reports is its status after.
        var transitions = truth["image_status_transitions"] as? [String: [String]] ?? [:]
        for entry in truth["images"] as? [[String: Any]] ?? [] {
            let summary = entry["summary"] as? [String: Any] ?? [:]
            if let id = summary["id"] as? String, let status = summary["status"] as? String, transitions[id] == nil {
                transitions[id] = [status]
            }
        }
        truth["image_status_transitions"] = transitions
        try TruthCheck.all(truth, result, uploadBytesCaptured: false)  // `split --slim` copies
    }
}
