import CaptureIO
import Timeline

/// One line per HTTP exchange (`glancetrace http`) or SQL command (`glancetrace sql`).
public enum ExchangeListText {
    public static func http(_ result: AnalysisResult) -> String {
        var out = ""
        for f in result.http {
            out += "\(f.time.rfc3339(precision: result.precision))  \(f.client) -> \(f.server)\(f.tls ? " (tls)" : "")  "
            out += "\(f.method) \(f.path) -> \(f.status.map(String.init) ?? "no response")"
            out += "  \(f.service) \(f.operation)  \(AnalysisText.milliseconds(f.time, f.end)) ms"
            out += "  req \(f.requestBytes) B, resp \(f.responseBytes) B"
            if let id = f.imageID { out += "  image \(id)" }
            if let r = f.requestID { out += "  \(r)" }
            if let sql = result.timeline.sqlOfHTTP[f.index], !sql.isEmpty { out += "  \(sql.count) SQL" }
            for note in f.notes { out += "  [\(note)]" }
            out += "\n"
        }
        for note in result.tls { out += "TLS \(note.client) -> \(note.server): \(note.summary)\n" }
        return out
    }

    public static func sql(_ result: AnalysisResult) -> String {
        var out = ""
        for f in result.sql {
            out += "\(f.time.rfc3339(precision: result.precision))  \(f.client)\(f.tls ? " (tls)" : "")"
            if let id = f.threadID { out += " #\(id)" }
            if let user = f.user { out += " \(user)" }
            if let db = f.database { out += "@\(db)" }
            out += "  \(f.command): \(AnalysisText.abbreviated(f.statement, 200))  -> "
            switch f.outcome {
            case .ok(let affected): out += "OK" + (affected.map { ", \($0) rows affected" } ?? "")
            case .error(let code, let message): out += "ERROR \(code) \(message)"
            case .rows(let n): out += "\(n) row\(n == 1 ? "" : "s")"
            case .none: out += "no response"
            }
            out += "  \(AnalysisText.milliseconds(f.time, f.end)) ms"
            if let http = result.timeline.httpOfSQL[f.index], result.http.indices.contains(http) {
                out += "  (in \(result.http[http].method) \(result.http[http].path))"
            }
            out += "\n"
        }
        for note in result.tls where note.summary.hasPrefix("MySQL") {
            out += "TLS \(note.client) -> \(note.server): \(note.summary)\n"
        }
        return out
    }
}
