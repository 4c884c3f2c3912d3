import CaptureIO
import Foundation
import Reports
import Testing
import Timeline

/// The HTML page is self-contained and safe to open: markup and script that came from a
/// capture (a path, an image name, an SQL string) appear escaped, and a real browser opens the
/// page without console errors.
@Suite struct HTMLReportTests {
    static let hostile = "</script><script>alert('x')</script><img src=x onerror=alert(1)>"

    static func hostileResult() -> AnalysisResult {
        let t = Timestamp(seconds: 1_795_558_336, nanoseconds: 0)
        let create = HTTPFact(index: 0, time: t, end: t.adding(nanoseconds: 1_000_000), connection: 0,
                              client: "127.0.0.1:40000", server: "127.0.0.1:9292", service: "glance",
                              operation: "image-create", method: "POST", path: "/v2/images?x=" + hostile, status: 201,
                              imageID: "i1", imageName: hostile, reportedStatus: "queued")
        let insert = SQLFact(index: 0, time: t.adding(nanoseconds: 500_000), end: t.adding(nanoseconds: 600_000),
                             connection: 1, client: "127.0.0.1:50000", user: "glance", database: "glance", command: "Query",
                             statement: "INSERT INTO images (id, name, status) VALUES ('i1', '\(hostile.replacingOccurrences(of: "'", with: "''"))', 'queued')",
                             outcome: .ok(affectedRows: 1))
        let timeline = ImageTimelineBuilder.build(http: [create], sql: [insert])
        return AnalysisResult(http: [create], sql: [insert], timeline: timeline)
    }

    @Test func markupFromTheCaptureIsEscaped() throws {
        let page = AnalysisHTML.page(Self.hostileResult())
        #expect(!page.contains("<script>alert"))
        #expect(!page.contains("<img src=x"))
        #expect(page.contains("&lt;script&gt;alert("))
        // One script element only: the embedded JSON data, whose `<` are \u003c-escaped.
        #expect(page.components(separatedBy: "<script").count == 2)
        #expect(page.contains("\\u003c/script\\u003e"))
    }

    /// Opens each report in headless Chromium (Debian's `chromium`) and fails on any console
    /// error; skipped with a note where Chromium is not installed.
    @Test(.enabled(if: PipelinePaths.sharedAvailable, "../shared/captures is not next to this checkout"),
          arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func chromiumOpensTheReportWithoutConsoleErrors(_ scenario: String) throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("chromium is not installed: the browser check of the HTML report is skipped")
            return
        }
        let directory = try PipelinePaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CaptureAnalysis(options: .init()).run(paths: [PipelinePaths.sharedCapture(scenario)])
        // The hostile strings ride along, so the browser also proves they stay inert.
        for fact in Self.hostileResult().http { result.http.append(fact) }
        let file = directory.appendingPathComponent("report.html")
        try AnalysisHTML.page(result).write(to: file, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--enable-logging=stderr", "--v=0", "--user-data-dir=\(directory.path)/profile",
                             "--dump-dom", file.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let consoleLines = log.split(separator: "\n").filter { $0.contains("CONSOLE") }
        #expect(consoleLines.isEmpty, "console messages: \(consoleLines.joined(separator: "\n"))")
        #expect(dom.contains("glancetrace report"))
        #expect(!dom.contains("<img src=\"x\""))
    }
}
