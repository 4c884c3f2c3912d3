import ArgumentParser
import Reports
import Timeline

struct HTTPCommand: ReportCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "List every HTTP exchange: Keystone and Glance calls classified, with timings and the SQL they caused."
    )
    static let formatHelp = "Output format: text or json (DESIGN.md's `http` array)."

    @OptionGroup var capture: CaptureOptions
    @OptionGroup var analysis: AnalysisOptions

    @OptionGroup var report: ReportOptions<HTTPCommand>

    func run() throws {
        // The list and the JSON array show no message texts (`AnalysisHTML` alone does).
        let result = try analysis.analyse(capture, messageTexts: false)
        if report.format == .json {
            try OutputDestination.write(AnalysisJSON.http(result), to: report.output)
        } else {
            try OutputDestination.writeByteLines(to: report.output) { ExchangeListText.httpBytes(result, emit: $0) }
        }
    }
}
