import Analysis
import ArgumentParser
import CaptureIO
import Reports
import Timeline

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise capture files, like capinfos: format, link types, packets, bytes, times, TCP connections per watched port."
    )

    @OptionGroup var options: CaptureOptions

    @Option(help: "Output format: text or json (DESIGN.md's `captures` array).")
    var format: OutputFormat = .text

    @Option(name: .short, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
        if format == .html || format == .otlp { throw ValidationError("info writes text or json, not \(format.rawValue).") }
    }

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
        switch format {
        case .json:
            try OutputDestination.write(JSONValue.array(summaries.map(InfoReport.json)).serialized() + "\n", to: output)
        default:
            try OutputDestination.write(summaries.map(InfoReport.text).joined(separator: "\n"), to: output)
        }
    }
}
