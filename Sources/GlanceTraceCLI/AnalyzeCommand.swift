import ArgumentParser
import CaptureIO
import Reports
import Timeline

struct AnalyzeCommand: ReportCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Reconstruct each Glance image's lifecycle with the HTTP call and SQL statement behind every step."
    )
    static let formatHelp = "Output format: text (terminal report), json (DESIGN.md's contract), html (a self-contained page with the sequence view) or otlp (OpenTelemetry traces, OTLP/JSON TracesData: one trace per request, a span per SQL statement)."
    static let formats = OutputFormat.allCases

    @OptionGroup var capture: CaptureOptions
    @OptionGroup var analysis: AnalysisOptions

    @OptionGroup var report: ReportOptions<AnalyzeCommand>

    @Option(help: ArgumentHelp("Report only the image with this name or id.", valueName: "name|id"))
    var image: String?

    @Flag(help: ArgumentHelp("Print each HTTP exchange, SQL statement and image status change as it completes, as 'capture' does: with --format json one JSON object per line (NDJSON) and nothing else; in text a line per event, then the report. For a pipe: tcpdump -U -w - ... | glancetrace analyze --follow -."))
    var follow = false

    func validate() throws {
        if follow && report.format == .html { throw ValidationError("--follow prints text or json, not html.") }
    }

    func run() throws {
        if follow { return try runFollowing() }
        // Only the HTML page's sequence view shows the exchanges' message texts.
        var result = try analysis.analyse(capture, messageTexts: report.format == .html)
        if let image { result.timeline = result.timeline.selectingImage(image) }
        switch report.format {
        case .text: try OutputDestination.write(AnalysisText.report(result), to: report.output)
        case .json: try OutputDestination.write(AnalysisJSON.document(result), to: report.output)
        case .html: try OutputDestination.write(AnalysisHTML.page(result), to: report.output)
        case .otlp: try OutputDestination.stream(to: report.output) { emit in AnalysisOTLP.write(result, chunk: emit) }
        }
    }

    /// `--follow`: events go out as they complete, one write each, so that a pipe's reader sees
    /// them at once; `capture`'s NDJSON, then nothing else (json), or its lines and the report (text).
    private func runFollowing() throws {
        let json = report.format == .json
        var failure: Error?
        try OutputDestination.stream(to: report.output) { emit in
            withoutActuallyEscaping(emit) { emit in
                do {
                    // Times as `analyze` prints them: nanoseconds when a capture has them.
                    var precision = TimestampPrecision.microseconds
                    // --follow prints text or json: no message texts.
                    let result = try analysis.analyse(capture, messageTexts: false, opened: { infos in
                        if infos.contains(where: { $0.precision == .nanoseconds }) { precision = .nanoseconds }
                    }, onEvent: { event in
                        let line = json ? LiveEventText.json(event, precision: precision).serialized(pretty: false) : LiveEventText.text(event)
                        emit(line + "\n")
                    })
                    if !json { emit(AnalysisText.report(result)) }
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
    }
}
