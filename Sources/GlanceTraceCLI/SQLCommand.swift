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

    func validate() throws {
        if format == .html { throw ValidationError("sql writes text or json, not html.") }
    }

    func run() throws {
        // The SQL list shows no upload hashes: skip the hashing, the dearest part of a big upload.
        let result = try analysis.analyse(capture, hashUploads: false)
        if format == .json {
            try OutputDestination.write(AnalysisJSON.sql(result), to: output)
        } else {
            try OutputDestination.writeLines(to: output) { ExchangeListText.sql(result, emit: $0) }
        }
    }
}
