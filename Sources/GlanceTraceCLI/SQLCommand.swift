import ArgumentParser
import Reports
import Timeline

struct SQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "List every MySQL/MariaDB command with its response, duration and the HTTP request it served."
    )

    @OptionGroup var capture: CaptureOptions
    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Output format: text or json (DESIGN.md's `sql` array).")
    var format: OutputFormat = .text

    @Option(name: .short, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    @Flag(help: "Group the commands by fingerprint (literals as ?, as pt-query-digest does) with count, total, average, 95th percentile and maximum time, dearest first.")
    var summary = false

    @Flag(name: .customLong("by-request"), help: "A summary grouped by the HTTP request that issued the commands (count, total time, how many links are only likely), dearest first, then the ambiguous ones and those outside any request; implies --summary.")
    var byRequest = false

    func validate() throws {
        if format == .html || format == .otlp { throw ValidationError("sql writes text or json, not \(format.rawValue).") }
    }

    func run() throws {
        // The SQL list shows no upload hashes: skip the hashing, the dearest part of a big upload.
        let result = try analysis.analyse(capture, hashUploads: false)
        if byRequest {
            let digest = SQLRequestSummary(result)
            if format == .json {
                try OutputDestination.write(digest.json(precision: result.precision), to: output)
            } else {
                try OutputDestination.writeLines(to: output) { digest.text(precision: result.precision, emit: $0) }
            }
            return
        }
        if summary {
            let digest = SQLSummary(result.sql, legs: result.timeline.legs.sql)
            if format == .json {
                try OutputDestination.write(digest.json, to: output)
            } else {
                try OutputDestination.writeLines(to: output) { digest.text(emit: $0) }
            }
        } else if format == .json {
            try OutputDestination.write(AnalysisJSON.sql(result), to: output)
        } else {
            try OutputDestination.writeLines(to: output) { ExchangeListText.sql(result, emit: $0) }
        }
    }
}
