import Foundation
import TestSupport
import Testing

/// The whole pipeline on the real captures, checked against the servers' own logs in each
/// truth file (uWSGI access logs, MariaDB's general log, `openstack image show`).
@Suite(.serialized, .enabled(if: ProjectPaths.sharedCapturesAvailable, "../shared/captures is not next to this checkout"))
struct CaptureAnalysisTests {
    @Test(arguments: ProjectPaths.sharedScenarios)
    func imagesMatchWhatGlanceStored(_ scenario: String) throws {
        try TruthCheck.images(try FixtureFile.sharedTruth(scenario), try TestbedCaptureTests.analyse(ProjectPaths.sharedCapture(scenario)),
                              uploadBytesCaptured: true)
    }

    @Test(arguments: ProjectPaths.sharedScenarios)
    func httpExchangesMatchTheAccessLogs(_ scenario: String) throws {
        TruthCheck.httpRequests(try FixtureFile.sharedTruth(scenario), try TestbedCaptureTests.analyse(ProjectPaths.sharedCapture(scenario)))
    }

    @Test(arguments: ProjectPaths.sharedScenarios)
    func sqlStatementsMatchTheGeneralLog(_ scenario: String) throws {
        TruthCheck.queries(try FixtureFile.sharedTruth(scenario), try TestbedCaptureTests.analyse(ProjectPaths.sharedCapture(scenario)))
    }
}
