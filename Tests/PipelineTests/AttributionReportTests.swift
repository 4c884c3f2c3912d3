import Analysis
import Foundation
import Reports
import Testing
import Timeline

/// How the reports show SQL attribution where it is not certain (issue 23), on the ten-way
/// concurrent fixture, whose attribution has every confidence.
/// Serialized: the tests share one result, whose fact stores are read by one thread at a time.
@Suite(.serialized) struct AttributionReportTests {
    static let result: AnalysisResult? = {
        guard let capture = TracedFixtures.capture("p-attribution") else { return nil }
        return try? TestbedCaptureTests.analyse(capture)
    }()

    /// f-import: the import task's writes, given to the import after the fact, are likely.
    static let importResult: AnalysisResult? = {
        guard let capture = TracedFixtures.capture("f-import") else { return nil }
        return try? TestbedCaptureTests.analyse(capture)
    }()

    @Test(arguments: ["p-attribution", "f-import"])
    func jsonSaysHowSureEachLinkIs(_ scenario: String) throws {
        let result = try #require(scenario == "f-import" ? Self.importResult : Self.result)
        let data = Data(AnalysisJSON.sql(result).serialized().utf8)
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var seen: [String: Int] = [:]
        for row in rows {
            let attribution = row["attribution"] as? String ?? "null"
            seen[attribution, default: 0] += 1
            let candidates = row["candidates"] as? [Int] ?? []
            switch attribution {
            case "certain", "likely":
                #expect(row["http"] is Int)
                #expect(candidates.isEmpty)
            case "ambiguous":
                #expect(row["http"] is NSNull)
                #expect(candidates.count >= 2)
                #expect(candidates.allSatisfy { result.http.indices.contains($0) })
            default:
                #expect(row["http"] is NSNull)
            }
        }
        #expect(seen["certain", default: 0] > 0, "\(seen)")
        // Ten concurrent uploads leave some statements ambiguous; the import's task writes are likely.
        #expect(seen[scenario == "f-import" ? "likely" : "ambiguous", default: 0] > 0, "\(seen)")
    }

    @Test(arguments: ["p-attribution", "f-import"])
    func listingAndTextReportMarkWhatIsNotCertain(_ scenario: String) throws {
        let result = try #require(scenario == "f-import" ? Self.importResult : Self.result)
        let listing = ExchangeListText.sql(result)
        let likely = result.timeline.uncertainSQL.values.filter { $0.confidence == .likely }.count
        let ambiguous = result.timeline.uncertainSQL.count - likely
        #expect(listing.components(separatedBy: "  likely  (in ").count - 1 == likely)
        #expect(listing.components(separatedBy: "(ambiguous: ").count - 1 == ambiguous)
        #expect(AnalysisText.report(result).contains("SQL attribution: \(result.timeline.httpOfSQL.count - likely) certain, \(likely) likely, \(ambiguous) ambiguous"))
    }

    @Test func summaryGroupsStatementsByRequest() throws {
        let result = try #require(Self.result)
        let summary = SQLRequestSummary(result)
        #expect(summary.commands == result.sql.count)
        #expect(summary.groups.reduce(0) { $0 + $1.count } == result.sql.count)
        for group in summary.groups {
            if let http = group.http {
                #expect(group.statements == (result.timeline.sqlOfHTTP[http] ?? []))
            }
        }
        let requests = summary.groups.filter { $0.http != nil }
        #expect(zip(requests, requests.dropFirst()).allSatisfy { $0.totalNanoseconds >= $1.totalNanoseconds })
        var text = ""
        summary.text { text += $0 }
        #expect(text.hasPrefix("# \(result.sql.count) commands: "))
        #expect(text.contains("(ambiguous: several requests fit equally)"))
    }
}
