import Foundation
import TestSupport
import Testing
@testable import Timeline

/// The lifecycle rules on the traced recordings (`Fixtures/captures/testbed/traced/`), fed with the
/// servers' own logs as `TestbedTruthTimelineTests` feeds the others.
@Suite struct TracedTruthTimelineTests {
    static let scenarios = ["p-attribution", "a-seed", "c-concurrent", "d-failed", "e-lifecycle", "f-import"]

    @Test(arguments: scenarios)
    func transitionsMatchTheServersLogs(_ scenario: String) throws {
        let directory = ProjectPaths.fixtures.appendingPathComponent("captures/testbed/traced/\(scenario)")
        let truth = try FixtureFile.jsonObject(in: directory, named: "truth.json")
        // Images made before the capture (p-attribution's attr-base) are read, never written: no transitions.
        try TestbedTruthTimelineTests.expectTransitionsMatch(truth, scenario: scenario, untouchedImages: true)
    }
}
