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
        let directory = ProjectPaths.root.appendingPathComponent("Fixtures/captures/testbed/traced/\(scenario)")
        let truth = try FixtureFile.jsonObject(in: directory, named: "truth.json")
        let (http, sql) = TestbedTruthTimelineTests.facts(truth)
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        var got: [String: [String]] = [:]
        // Images made before the capture (p-attribution's attr-base) are read, never written: no transitions.
        for image in timeline.images where !image.transitions.isEmpty { if let id = image.id { got[id] = image.transitions.map(\.status) } }
        #expect(got == truth["image_status_transitions"] as? [String: [String]] ?? [:])
        for image in timeline.images where image.id != nil {
            for transition in image.transitions {
                // The access logs do not say which image a POST created: among ten concurrent
                // creates (p-attribution) the INSERT may fit several equally, and says so.
                if transition.http == nil, let sql = transition.sql, let link = timeline.attribution(ofSQL: sql),
                   link.confidence == .ambiguous {
                    #expect(link.candidates.allSatisfy { http[$0].service == "glance" })
                    continue
                }
                let request = try #require(transition.http, "\(scenario): \(transition.status) not attributed")
                #expect(http[request].service == "glance")
            }
        }
    }
}
