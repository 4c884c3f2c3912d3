import Analysis
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// The reports of `analyze` on the fixture captures, byte for byte against reviewed golden files
/// in Fixtures/expected/analyze/. Regenerate them only on purpose, and review the diff:
///
///     GLANCETRACE_REGENERATE_GOLDEN=1 swift test --filter GoldenReportTests
@Suite struct GoldenReportTests {
    static let captures = ["a-seed-slim", "e-lifecycle-slim"]
    static let regenerate = ProcessInfo.processInfo.environment["GLANCETRACE_REGENERATE_GOLDEN"] == "1"

    static func reports(_ name: String) throws -> [(String, String)] {
        // Relative to the project root, so the golden files do not depend on the checkout's place.
        let relative = "Fixtures/captures/\(name).pcap"
        let absolute = ProjectPaths.root.appendingPathComponent(relative).path
        let result = try CaptureAnalysis(options: .init()).run(paths: [absolute])
        func clean(_ text: String) -> String { text.replacingOccurrences(of: absolute, with: relative) }
        return [
            ("txt", clean(AnalysisText.report(result))),
            ("json", clean(AnalysisJSON.document(result).serialized() + "\n")),
            ("html", clean(AnalysisHTML.page(result))),
            ("http.txt", clean(ExchangeListText.http(result))),
            ("sql.txt", clean(ExchangeListText.sql(result))),
            ("sql-summary.txt", { var out = ""; SQLSummary(result.sql).text { out += $0 }; return out }()),
        ]
    }

    @Test(arguments: captures)
    func reportsEqualTheReviewedGoldenFiles(_ name: String) throws {
        let directory = ProjectPaths.root.appendingPathComponent("Fixtures/expected/analyze")
        // The full JSON, HTML and SQL list are kept for one capture; they are large.
        let kept: Set<String> = name == "a-seed-slim" ? ["txt", "json", "html", "http.txt", "sql.txt", "sql-summary.txt"]
                                                       : ["txt", "http.txt", "sql-summary.txt"]
        for (suffix, text) in try Self.reports(name) where kept.contains(suffix) {
            let file = directory.appendingPathComponent("\(name).\(suffix)")
            if Self.regenerate {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            let expected = try String(contentsOf: file, encoding: .utf8)
            #expect(text == expected, "\(file.lastPathComponent) differs; see GoldenReportTests for how to regenerate")
        }
    }

    /// No secret reaches any report: every token and password on the wire of the original
    /// capture is absent from all five outputs (the fingerprints stand in for them).
    @Test(arguments: captures)
    func reportsCarryNoSecrets(_ name: String) throws {
        let raw = try Data(contentsOf: ProjectPaths.root.appendingPathComponent("Fixtures/captures/\(name).pcap"))
        let text = String(decoding: raw, as: UTF8.self)
        var secrets: Set<String> = []
        for header in ["X-Auth-Token: ", "X-Subject-Token: ", "x-auth-token: ", "x-subject-token: "] {
            var rest = text[...]
            while let range = rest.range(of: header) {
                let value = rest[range.upperBound...].prefix { $0 != "\r" && $0 != "\n" }
                if value.count >= 16 { secrets.insert(String(value)) }
                rest = rest[range.upperBound...]
            }
        }
        var rest = text[...]
        while let range = rest.range(of: "\"password\": \"") {
            let value = rest[range.upperBound...].prefix { $0 != "\"" }
            if !value.isEmpty { secrets.insert(String(value)) }
            rest = rest[range.upperBound...]
        }
        #expect(!secrets.isEmpty, "the fixture should contain tokens to check")
        for (suffix, report) in try Self.reports(name) {
            for secret in secrets { #expect(!report.contains(secret), "a secret leaked into the \(suffix) report") }
        }
    }
}
