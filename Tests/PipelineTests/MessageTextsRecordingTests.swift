import Analysis
import Reports
import TestSupport
import Testing
import Timeline

/// `CaptureAnalysis.Options.recordsMessageTexts`: the exchanges' message texts are built only
/// for the HTML page, the one output that shows them; every other output must be the same
/// whether they were recorded or not (the commands other than `analyze --format html` turn
/// them off to save a fifth of an API-heavy run).
@Suite struct MessageTextsRecordingTests {
    static func run(texts: Bool) throws -> AnalysisResult {
        var options = CaptureAnalysis.Options()
        options.recordsMessageTexts = texts
        return try CaptureAnalysis(options: options).run(paths: [ProjectPaths.fixture("captures/a-seed-slim.pcap")])
    }

    @Test func textsAreRecordedOnlyWhenAsked() throws {
        let with = try Self.run(texts: true), without = try Self.run(texts: false)
        #expect(with.http.count == without.http.count && with.http.count > 0)
        let recorded = Array(with.http)
        // Every decoded exchange has its texts, each starting with its own request line.
        #expect(recorded.filter { !$0.inferred }.allSatisfy { $0.messages != nil })
        for fact in recorded.prefix(20) {
            #expect(fact.messages?.request?.hasPrefix("\(fact.method) ") == true)
        }
        #expect(Array(without.http).allSatisfy { $0.messages == nil })
        // The page shows them (its view data escapes `<`): a request's masked token header.
        #expect(AnalysisHTML.page(with).contains("X-Auth-Token: \\u003cmasked sha256:"))
        #expect(!AnalysisHTML.page(without).contains("X-Auth-Token: \\u003cmasked sha256:"))
    }

    @Test func outputsWithoutTextsAreUnchanged() throws {
        let with = try Self.run(texts: true), without = try Self.run(texts: false)
        #expect(AnalysisText.report(with) == AnalysisText.report(without))
        #expect(AnalysisJSON.document(with).serialized(pretty: true) == AnalysisJSON.document(without).serialized(pretty: true))
        #expect(ExchangeListText.http(with) == ExchangeListText.http(without))
        var otlpWith = "", otlpWithout = ""
        AnalysisOTLP.write(with) { otlpWith += $0 }
        AnalysisOTLP.write(without) { otlpWithout += $0 }
        #expect(otlpWith == otlpWithout)
    }
}
