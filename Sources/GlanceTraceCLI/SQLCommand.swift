import ArgumentParser
import Reports
import Timeline

struct SQLCommand: ReportCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "List every MySQL/MariaDB command with its response, duration and the HTTP request it served."
    )
    static let formatHelp = "Output format: text or json (DESIGN.md's `sql` array)."

    @OptionGroup var capture: CaptureOptions
    @OptionGroup var analysis: AnalysisOptions

    @OptionGroup var report: ReportOptions<SQLCommand>

    @Flag(help: "Group the commands by fingerprint (literals as ?, as pt-query-digest does) with count, total, average, 95th percentile and maximum time, dearest first.")
    var summary = false

    @Flag(name: .customLong("by-request"), help: "A summary grouped by the HTTP request that issued the commands (count, total time, how many links are only likely), dearest first, then the ambiguous ones and those outside any request; implies --summary.")
    var byRequest = false

    func run() throws {
        // The SQL list shows no upload hashes: skip the hashing, the dearest part of a big upload.
        // Its text lines (and the fingerprint summary) read which request issued each statement
        // and the proxy legs, not the images' stories: those are built only for JSON (`image_id`)
        // and the by-request summary.
        let listOnly = report.format != .json && !byRequest
        // On an upload capture (one decoding thread by default) the statements get a core of
        // their own while the reading thread reassembles the uploads.
        let result = try analysis.analyse(capture, hashUploads: false, messageTexts: false, imageStories: !listOnly,
                                          mysqlApart: true)
        if byRequest {
            let digest = SQLRequestSummary(result)
            if report.format == .json {
                try OutputDestination.write(digest.json(precision: result.precision), to: report.output)
            } else {
                try OutputDestination.writeLines(to: report.output) { digest.text(precision: result.precision, emit: $0) }
            }
            return
        }
        if summary {
            let digest = SQLSummary(result.sql, legs: result.timeline.legs.sql)
            if report.format == .json {
                try OutputDestination.write(digest.json, to: report.output)
            } else {
                try OutputDestination.writeLines(to: report.output) { digest.text(emit: $0) }
            }
        } else if report.format == .json {
            try OutputDestination.write(AnalysisJSON.sql(result), to: report.output)
        } else {
            try OutputDestination.writeByteLines(to: report.output) { ExchangeListText.sqlBytes(result, emit: $0) }
        }
    }
}
