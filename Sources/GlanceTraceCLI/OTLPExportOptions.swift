import Analysis
import ArgumentParser
import CaptureIO
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Reports
import Timeline
import TraceExport

/// `capture --otlp-endpoint`: traces posted to an OTLP/HTTP receiver as requests complete.
struct OTLPExportOptions: ParsableArguments {
    @Option(name: .customLong("otlp-endpoint"),
            help: ArgumentHelp("Post each completed request as an OpenTelemetry trace to this OTLP/HTTP receiver (a Collector, Jaeger, Tempo); a URL without a path gets /v1/traces.", valueName: "url"))
    var endpoint: String?

    @Option(name: .customLong("otlp-protocol"), help: ArgumentHelp("Encoding of the posts: http/protobuf or http/json.", valueName: "protocol"))
    var encoding: String = OTLPExporter.Encoding.protobuf.rawValue

    @Option(name: .customLong("otlp-header"), help: ArgumentHelp("An HTTP header for the receiver, e.g. an API key (repeatable).", valueName: "name=value"))
    var headers: [String] = []

    @Option(name: .customLong("otlp-buffer"),
            help: ArgumentHelp("Most spans held while the receiver is down or slow; traces beyond are dropped and counted.", valueName: "spans"))
    var bufferSpans: Int = 65_536

    @Option(name: .customLong("otlp-timeout"),
            help: ArgumentHelp("Seconds to keep trying to deliver buffered traces when the capture stops.", valueName: "seconds"))
    var finishTimeout: Double = 10

    /// The receiver's URL, `/v1/traces` added to a bare host (OTEL_EXPORTER_OTLP_ENDPOINT's rule).
    var url: URL? {
        guard let endpoint, var components = URLComponents(string: endpoint) else { return nil }
        if components.path.isEmpty || components.path == "/" { components.path = "/v1/traces" }
        return components.url
    }

    func validate() throws {
        guard let endpoint else {
            if !headers.isEmpty { throw ValidationError("--otlp-header needs --otlp-endpoint.") }
            return
        }
        guard let url, let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ValidationError("--otlp-endpoint \(endpoint) is not an http:// or https:// URL.")
        }
        if OTLPExporter.Encoding(rawValue: encoding) == nil {
            throw ValidationError("--otlp-protocol must be http/protobuf or http/json.")
        }
        for header in headers where !header.contains("=") || header.hasPrefix("=") { throw ValidationError("--otlp-header \(header): expected name=value.") }
        if bufferSpans <= 0 { throw ValidationError("--otlp-buffer must be a positive number of spans.") }
        if !(finishTimeout >= 0) || !finishTimeout.isFinite { throw ValidationError("--otlp-timeout must be zero or more seconds.") }
        for header in configuration?.headers ?? [] where (header.name + header.value).utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) {
            throw ValidationError("--otlp-header \(header.name): a header may not hold a line break or NUL.")
        }
    }

    /// The exporter these options describe, started; nil without `--otlp-endpoint`. Fails (exit 1)
    /// when it cannot work here: libcurl missing for an https:// receiver or a proxy.
    func start() throws -> LiveTraceExport? {
        guard let configuration else { return nil }
        if let problem = OTLPExporter.problem(with: configuration) { throw CommandFailure(message: problem) }
        return LiveTraceExport(exporter: OTLPExporter(configuration: configuration), finishTimeout: finishTimeout)
    }

    /// The exporter's configuration these options describe; nil without `--otlp-endpoint`.
    private var configuration: OTLPExporter.Configuration? {
        guard let url else { return nil }
        var configuration = OTLPExporter.Configuration(endpoint: url)
        configuration.encoding = OTLPExporter.Encoding(rawValue: encoding) ?? .protobuf
        configuration.headers = headers.map { header in
            let parts = header.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.trimmingWhitespace(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
        }
        configuration.bufferSpans = bufferSpans
        return configuration
    }

    /// The name without the spaces and tabs around it: Foundation's `.whitespaces` (tab and the
    /// Unicode space separators), trimmed by Unicode scalar as `trimmingCharacters` does.
    static func trimmingWhitespace(_ text: Substring) -> String {
        func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
              let last = scalars.lastIndex(where: { !isWhitespace($0) }) else { return "" }
        return String(scalars[first ... last])
    }
}

/// The live events of a capture, as traces, to the exporter.
final class LiveTraceExport {
    private let traces = LiveTraces()
    private let exporter: OTLPExporter
    private let finishTimeout: Double

    init(exporter: OTLPExporter, finishTimeout: Double) {
        self.exporter = exporter
        self.finishTimeout = finishTimeout
    }

    func add(_ event: AnalysisSession.LiveEvent) { traces.add(event) }

    /// Exports the requests complete by `now` (capture time).
    func export(now: Timestamp) {
        for trace in traces.ready(now: now) { exporter.enqueue(trace) }
    }

    /// Exports the rest, waits for delivery, and says what happened (for stderr).
    func finish() -> String {
        for trace in traces.remaining() { exporter.enqueue(trace) }
        let s = exporter.finish(timeout: finishTimeout)
        var line = "glancetrace: OTLP to \(exporter.configuration.endpoint): \(s.exportedSpans) spans of \(s.exportedTraces) traces exported"
        line += ", \(s.droppedSpans) spans of \(s.droppedTraces) traces dropped (buffer of \(exporter.configuration.bufferSpans) spans full)"
        line += ", \(s.undeliveredSpans) spans undelivered at exit, \(s.refusedSpans) refused by the receiver"
        if s.failedAttempts > 0 { line += "; \(s.failedAttempts) failed attempts, last: \(s.lastError ?? "?")" }
        if traces.droppedStatements > 0 { line += "; \(traces.droppedStatements) statements forgotten before their request completed" }
        return line + "\n"
    }
}
