import Analysis
import CaptureIO
import Timeline

/// One line per completed event for `glancetrace capture`: text, or one NDJSON object.
///
/// The JSON objects use the member names of the `analyze --format json` arrays (`http`, `sql`)
/// plus `"event"`: `"http"`, `"sql"` or `"image-status"`, so that a consumer can treat the live
/// stream and a later analysis of the written file alike. Statements are the full text in JSON
/// (as `analyze` has them) and shortened in text.
package enum LiveEventText {
    package static func text(_ event: AnalysisSession.LiveEvent) -> String {
        switch event {
        case .http(let f):
            if f.inferred {
                return "\(AnalysisText.clock(f.time))  HTTP  \(InferredCallText.requestLine(f))  \(f.service)  \(AnalysisText.milliseconds(f.time, f.end)) ms"
            }
            return "\(AnalysisText.clock(f.time))  HTTP  \(f.method) \(f.path) -> \(f.status.map(String.init) ?? "no response")  \(f.service) \(f.operation)  \(AnalysisText.milliseconds(f.time, f.end)) ms"
        case .sql(let f):
            return "\(AnalysisText.clock(f.time))  SQL   \(f.command): \(AnalysisText.abbreviated(f.statement, 120))  \(outcomeText(f.outcome))  \(AnalysisText.milliseconds(f.time, f.end)) ms"
        case .status(let id, let status, let time, let source):
            return "\(AnalysisText.clock(time))  IMAGE \(id) => \(status.uppercased())  (\(source))"
        }
    }

    /// `precision`: the capture's, as `analyze` prints the file's times (nanoseconds when it has them).
    package static func json(_ event: AnalysisSession.LiveEvent, precision p: TimestampPrecision = .microseconds) -> JSONValue {
        switch event {
        case .http(let f):
            return .object([("event", .string("http")), ("time", .string(f.time.rfc3339(precision: p))), ("end", .string(f.end.rfc3339(precision: p))),
                            ("client", .string(f.client)), ("server", .string(f.server)), ("service", .string(f.service)),
                            ("operation", .string(f.operation.rawValue)), ("method", f.inferred ? .null : .string(f.method)),
                            ("path", f.inferred ? .null : .string(f.path)),
                            ("query", .optional(f.query)),
                            ("status", .optional(f.status)), ("duration_ms", .double(AnalysisJSON.milliseconds(f.time, f.end))),
                            ("request_id", .optional(f.requestID)), ("request_bytes", .int(f.requestBytes)),
                            ("response_bytes", .int(f.responseBytes)), ("image_id", .optional(f.imageID)),
                            ("tls", .bool(f.tls)), ("inferred", .bool(f.inferred))])
        case .sql(let f):
            return .object([("event", .string("sql")), ("time", .string(f.time.rfc3339(precision: p))), ("end", .string(f.end.rfc3339(precision: p))),
                            ("client", .string(f.client)), ("server", .string(f.server)), ("connection_id", .optional(f.threadID)),
                            ("user", .optional(f.user)), ("database", .optional(f.database)), ("command", .string(f.command.name)),
                            ("statement", .string(f.statement)), ("result", AnalysisJSON.outcome(f)),
                            ("duration_ms", .double(AnalysisJSON.milliseconds(f.time, f.end)))])
        case .status(let id, let status, let time, let source):
            return .object([("event", .string("image-status")), ("time", .string(time.rfc3339(precision: p))), ("image_id", .string(id)),
                            ("status", .string(status)), ("source", .string(source))])
        }
    }

    static func outcomeText(_ outcome: SQLFact.Outcome) -> String {
        switch outcome {
        case .ok(let rows): return rows.map { "OK, \($0) rows" } ?? "OK"
        case .error(let code, let message): return "ERROR \(code): \(AnalysisText.abbreviated(message, 80))"
        case .rows(let n): return "\(n) rows"
        case .none: return "no response"
        }
    }
}
