import ArgumentParser
import Reports
import Timeline

struct HTTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "List every HTTP exchange: Keystone and Glance calls classified, with timings and the SQL they caused."
    )

    @OptionGroup var capture: CaptureOptions
    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Output format: text or json (DESIGN.md's `http` array).")
    var format: OutputFormat = .text

    @Option(name: .short, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
        if format == .html || format == .otlp { throw ValidationError("http writes text or json, not \(format.rawValue).") }
    }

    func run() throws {
        let result = try analysis.analyse(capture)
        if format == .json {
            try OutputDestination.write(AnalysisJSON.http(result), to: output)
        } else {
            try OutputDestination.writeLines(to: output) { ExchangeListText.http(result, emit: $0) }
        }
    }
}
