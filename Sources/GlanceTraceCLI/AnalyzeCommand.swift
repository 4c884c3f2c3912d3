import ArgumentParser
import Reports
import Timeline

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Reconstruct each Glance image's lifecycle with the HTTP call and SQL statement behind every step."
    )

    @OptionGroup var capture: CaptureOptions
    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Output format: text (terminal report), json (DESIGN.md's contract), html (a self-contained page with the sequence view) or otlp (OpenTelemetry traces, OTLP/JSON TracesData: one trace per request, a span per SQL statement).")
    var format: OutputFormat = .text

    @Option(name: .short, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Report only the image with this name or id.", valueName: "name|id"))
    var image: String?

    func run() throws {
        var result = try analysis.analyse(capture)
        if let image { result.timeline = result.timeline.selectingImage(image) }
        switch format {
        case .text: try OutputDestination.write(AnalysisText.report(result), to: output)
        case .json: try OutputDestination.write(AnalysisJSON.document(result), to: output)
        case .html: try OutputDestination.write(AnalysisHTML.page(result), to: output)
        case .otlp: try OutputDestination.stream(to: output) { emit in AnalysisOTLP.write(result, chunk: emit) }
        }
    }
}
