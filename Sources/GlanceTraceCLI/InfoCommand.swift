import Analysis
import ArgumentParser
import CaptureIO
import Reports
import Timeline

struct InfoCommand: ReportCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise capture files, like capinfos: format, link types, packets, bytes, times, TCP connections per watched port."
    )
    static let formatHelp = "Output format: text or json (DESIGN.md's `captures` array)."

    @OptionGroup var options: CaptureOptions

    @OptionGroup var report: ReportOptions<InfoCommand>

    func run() throws {
        let survey = CaptureSurvey(watchedPorts: options.watchedPorts, readerKind: options.reader)
        var summaries: [CaptureSummary] = []
        for path in options.captures {
            let progress = ProgressLine(label: path, quiet: options.quiet)
            do {
                summaries.append(try survey.run(path: path) { progress.update(done: $0, total: $1) })
            } catch {
                progress.finish()
                throw CommandFailure(message: error.description)
            }
            progress.finish()
            if let warning = summaries.last?.warning { writeStandardError("warning: \(warning)\n") }
        }
        switch report.format {
        case .json:
            try OutputDestination.write(JSONValue.array(summaries.map(InfoReport.json)).serialized() + "\n", to: report.output)
        default:
            try OutputDestination.write(summaries.map(InfoReport.text).joined(separator: "\n"), to: report.output)
        }
    }
}
