import Analysis
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// The HTML sequence view in a real browser: every fixture capture, every shared capture and the
/// crafted-markup result of `HTMLReportTests` are analysed here, written as HTML and as the JSON
/// report, and opened in headless Chromium by `Fixtures/browser/check_sequence_view.py`
/// (Selenium), which checks the drawn page against the JSON: lanes, one bar per logical request,
/// a request's SQL on click, the status segments against the transitions, no console error, no
/// secret, markup that stays text. Screenshots are kept for review outside the repository, in
/// `$GLANCETRACE_SCREENSHOTS` or `/tmp/glancetrace-screenshots`.
///
/// Needs Chromium, chromedriver and Selenium (`apt-get install chromium chromium-driver`,
/// `pip install selenium`); skipped with a note without them.
@Suite struct SequenceViewBrowserTests {
    static let python = PythonTool.python(importing: ["selenium"])
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let available = python != nil && chromedriver != nil
    static let missing = "needs python3 with selenium (pip install selenium) and chromedriver (apt-get install chromium-driver)"

    static var screenshots: String {
        ProcessInfo.processInfo.environment["GLANCETRACE_SCREENSHOTS"] ?? "/tmp/glancetrace-screenshots"
    }

    /// Every capture a page is made of: the fixtures, the test bed's slim captures, and the shared
    /// real captures when they are next to this checkout.
    static var captures: [(name: String, path: String)] {
        var list = [("a-seed-slim", ProjectPaths.fixture("captures/a-seed-slim.pcap")),
                    ("e-lifecycle-slim", ProjectPaths.fixture("captures/e-lifecycle-slim.pcap"))]
        for scenario in ["c-concurrent", "d-failed", "f-import", "h-any-sll2"] {
            list.append(("testbed-\(scenario)", ProjectPaths.fixture("captures/testbed/\(scenario)/capture.pcap")))
        }
        list.append(("testbed-h-pcapng", ProjectPaths.fixture("captures/testbed/h-pcapng/capture.pcapng")))
        if ProjectPaths.sharedCapturesAvailable {
            for scenario in ["a-seed", "b-sequential", "e-lifecycle"] { list.append((scenario, ProjectPaths.sharedCapture(scenario))) }
        }
        return list
    }

    @Test(.enabled(if: available, .init(rawValue: missing)))
    func chromiumDrawsEachCaptureAsItsReportSays() throws {
        guard let python = Self.python else { return }
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var manifest: [[String: Any]] = []
        func add(_ name: String, _ result: AnalysisResult, capture: String?, hostile: String? = nil,
                 relations: RequestRelations? = nil) throws {
            let html = directory.appendingPathComponent("\(name).html"), json = directory.appendingPathComponent("\(name).json")
            try AnalysisHTML.page(result, relations: relations).write(to: html, atomically: true, encoding: .utf8)
            try AnalysisJSON.document(result).serialized(pretty: false).write(to: json, atomically: true, encoding: .utf8)
            var entry: [String: Any] = ["name": name, "html": html.path, "report": json.path]
            if let capture { entry["capture"] = capture }
            if let hostile { entry["hostile"] = hostile }
            if let relations {
                entry["legs"] = relations.legOf.keys.sorted()
                entry["inferred"] = relations.inferred.sorted()
            }
            manifest.append(entry)
        }
        for (name, path) in Self.captures {
            try add(name, try CaptureAnalysis(options: .init()).run(paths: [path]), capture: path)
        }
        try add("crafted-markup", HTMLReportTests.hostileResult(), capture: nil, hostile: HTMLReportTests.hostile)
        // Relations the seed does not have, drawn as the analysis would say them (made up: the
        // seed's first Glance request as the back-end leg of its first Keystone request, so the
        // two are on different lanes; a Keystone call as inferred), over the ones it has (the
        // token validations Glance made).
        let seed = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.fixture("captures/a-seed-slim.pcap")])
        let glance = seed.http.indices.filter { seed.http[$0].service == "glance" }
        let keystone = seed.http.indices.filter { seed.http[$0].service == "keystone" }
        var relations = RequestRelations(seed)
        relations.legOf[glance[0]] = keystone[0]
        relations.inferred.insert(keystone[1])
        try add("relations", seed, capture: nil, relations: relations)
        let manifestFile = directory.appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestFile)

        let script = ProjectPaths.fixture("browser/check_sequence_view.py")
        let run = try PythonTool.run(python, [script, manifestFile.path, Self.screenshots], timeout: 300)
        print(run.output)
        #expect(run.status == 0, "\(run.output)")
        let checked = run.output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count
        #expect(checked == manifest.count, "\(checked) of \(manifest.count) pages passed")
    }
}
