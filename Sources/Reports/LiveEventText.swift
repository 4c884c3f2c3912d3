import CaptureIO
import Timeline

/// One line per completed event for `glancetrace capture`: text, or one NDJSON object.
public enum LiveEventText {
    public static func text(_ event: AnalysisSession.LiveEvent) -> String {
        switch event {
        case .http(let f):
            return "\(AnalysisText.clock(f.time))  HTTP  \(f.method) \(f.path) -> \(f.status.map(String.init) ?? "no response")  \(f.service) \(f.operation)  \(AnalysisText.milliseconds(f.time, f.end)) ms"
        case .sql(let f):
            return "\(AnalysisText.clock(f.time))  SQL   \(f.command): \(AnalysisText.abbreviated(f.statement, 120))  \(AnalysisText.milliseconds(f.time, f.end)) ms"
        case .status(let id, let status, let time, _):
            return "\(AnalysisText.clock(time))  IMAGE \(id) => \(status.uppercased())"
        }
    }

    public static func json(_ event: AnalysisSession.LiveEvent) -> JSONValue {
        switch event {
        case .http(let f):
            return .object([("event", .string("http")), ("time", .string(f.time.rfc3339())), ("end", .string(f.end.rfc3339())),
                            ("client", .string(f.client)), ("server", .string(f.server)), ("service", .string(f.service)),
                            ("operation", .string(f.operation)), ("method", .string(f.method)), ("path", .string(f.path)),
                            ("status", .optional(f.status)), ("image_id", .optional(f.imageID))])
        case .sql(let f):
            return .object([("event", .string("sql")), ("time", .string(f.time.rfc3339())), ("end", .string(f.end.rfc3339())),
                            ("client", .string(f.client)), ("connection_id", .optional(f.threadID)), ("command", .string(f.command)),
                            ("statement", .string(f.statement)), ("result", AnalysisJSON.outcome(f))])
        case .status(let id, let status, let time, let sql):
            return .object([("event", .string("image-status")), ("time", .string(time.rfc3339())), ("image_id", .string(id)),
                            ("status", .string(status)), ("sql", .optional(sql))])
        }
    }
}
