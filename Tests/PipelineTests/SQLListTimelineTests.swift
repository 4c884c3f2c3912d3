import Analysis
import CaptureIO
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// `glancetrace sql` builds only the statements' links to requests, not the images' stories
/// (`CaptureAnalysis.Options.buildsImageStories` off): its text list and fingerprint summary must
/// be the same as from the whole timeline, on every fixture, the import (whose writes are given
/// back to the import request afterwards) and the MySQL proxy (legs) among them.
@Suite struct SQLListTimelineTests {
    static func lists(_ capture: String, imageStories: Bool) throws -> (list: String, summary: String, attributed: Int) {
        var options = MySQLApartTests.options(capture, hashUploads: false)
        options.recordsMessageTexts = false
        options.buildsImageStories = imageStories
        let result = try CaptureAnalysis(options: options).run(paths: [capture])
        var summary = ""
        SQLSummary(result.sql, legs: result.timeline.legs.sql).text { summary += $0 }
        return (ExchangeListText.sql(result), summary, result.timeline.httpOfSQL.count)
    }

    @Test(arguments: ShardedAnalysisTests.fixtureCaptures)
    func listIsTheSameWithoutImageStories(_ capture: String) throws {
        let whole = try Self.lists(capture, imageStories: true)
        let linksOnly = try Self.lists(capture, imageStories: false)
        #expect(whole.list == linksOnly.list, "\(capture)")
        #expect(whole.summary == linksOnly.summary, "\(capture)")
        #expect(whole.attributed == linksOnly.attributed, "\(capture)")
    }

    /// The comparison means something: the fixtures hold attributed statements, likely links,
    /// an import's reattributed writes and proxy legs.
    @Test func fixturesExerciseTheLinks() throws {
        var text = ""
        for capture in ShardedAnalysisTests.fixtureCaptures where capture.contains("/f-import/") || capture.contains("/s-mysql-proxy/")
            || capture.contains("/p-attribution/") {
            text += try Self.lists(capture, imageStories: false).list
        }
        #expect(text.contains("(in POST /v2/images/"))
        #expect(text.contains("  likely"))
        #expect(text.contains("[proxy leg: relayed to "))
    }
}
