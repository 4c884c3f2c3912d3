import Analysis
import CaptureIO
import Foundation
@testable import Reports
import Testing
import Timeline

/// The HTML page is self-contained and safe to open: markup and script that came from a
/// capture (a path, an image name, an SQL string) appear escaped. `hostileResult` is the
/// crafted-markup fixture `SequenceViewBrowserTests` also opens in Chromium.
@Suite struct HTMLReportTests {
    static let hostile = "</script><script>alert('x')</script><img src=x onerror=alert(1)>"

    static func hostileResult() -> AnalysisResult {
        let t = Timestamp(seconds: 1_795_558_336, nanoseconds: 0)
        let create = HTTPFact(index: 0, time: t, end: t.adding(nanoseconds: 1_000_000), connection: 0,
                              client: "127.0.0.1:40000", server: "127.0.0.1:9292", service: "glance",
                              operation: "image-create", method: "POST", path: "/v2/images?x=" + hostile, status: 201,
                              imageID: "i1", imageName: hostile, reportedStatus: "queued")
        let insert = SQLFact(index: 0, time: t.adding(nanoseconds: 500_000), end: t.adding(nanoseconds: 600_000),
                             connection: 1, client: "127.0.0.1:50000", user: "glance", database: "glance", command: .query,
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
        // Two script elements only: the embedded view data, whose `<` are \u003c-escaped, and the
        // page's own script.
        #expect(page.components(separatedBy: "<script").count == 3)
        #expect(page.contains("\\u003c/script\\u003e"))
    }

    /// The page's policy admits exactly its own style and script: a changed partial whose hash
    /// was not recomputed would be refused by the browser (and the browser test would see it).
    @Test func contentSecurityPolicyNamesTheInlineStyleAndScript() throws {
        let page = AnalysisHTML.page(Self.hostileResult())
        #expect(page.contains("style-src '\(AnalysisHTML.cspHash(SequencePageTemplate.style))'"))
        #expect(page.contains("script-src '\(AnalysisHTML.cspHash(SequenceViewScript.source))'"))
        #expect(page.contains("<style>" + SequencePageTemplate.style + "</style>"))
        #expect(page.contains("<script>" + SequenceViewScript.source + "</script>"))
        #expect(page.contains("default-src 'none'"))
    }

    /// The templates parse, and the partials are plain text to Mustache (a `{{` in the script
    /// would be read as a tag).
    @Test func templatesParseAndPartialsHoldNoTags() throws {
        if case .failure(let error) = AnalysisHTML.templates { Issue.record("template error: \(error)") }
        #expect(!SequenceViewScript.source.contains("{{"))
        #expect(!SequencePageTemplate.style.contains("{{"))
    }
}
