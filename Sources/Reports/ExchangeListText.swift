import CaptureIO
import Timeline

/// One line per HTTP exchange (`glancetrace http`) or SQL command (`glancetrace sql`).
public enum ExchangeListText {
    public static func http(_ result: AnalysisResult) -> String {
        var out = ""
        http(result) { out += $0 }
        return out
    }

    public static func sql(_ result: AnalysisResult) -> String {
        var out = ""
        sql(result) { out += $0 }
        return out
    }

    /// The `http` list, handed to `emit` line by line: a long capture's list is never held whole.
    public static func http(_ result: AnalysisResult, emit: (String) -> Void) {
        for f in result.http {
            var out = "\(f.time.rfc3339(precision: result.precision))  \(f.client) -> \(f.server)\(f.tls ? " (tls)" : "")  "
            out += "\(f.method) \(f.path) -> \(f.status.map(String.init) ?? "no response")"
            out += "  \(f.service) \(f.operation)  \(AnalysisText.milliseconds(f.time, f.end)) ms"
            out += "  req \(f.requestBytes) B, resp \(f.responseBytes) B"
            if let id = f.imageID { out += "  image \(id)" }
            if let r = f.requestID { out += "  \(r)" }
            if let sql = result.timeline.sqlOfHTTP[f.index], !sql.isEmpty { out += "  \(sql.count) SQL" }
            // In full: they are what one compares with `openstack image show`'s checksum and os_hash_value.
            if let digests = f.uploadDigests, let md5 = digests.md5, let sha512 = digests.sha512 {
                out += "  upload md5 \(md5) sha512 \(sha512)"
            }
            for note in f.notes { out += "  [\(note)]" }
            emit(out + "\n")
        }
        for note in result.tls { emit("TLS \(note.client) -> \(note.server): \(note.summary)\n") }
    }

    /// The `sql` list, handed to `emit` line by line.
    public static func sql(_ result: AnalysisResult, emit: (String) -> Void) {
        // Statements in a row mostly serve one request: decode it once for all of them.
        var request: (index: Int, method: String, path: String)?
        for f in result.sql {
            var out = "\(f.time.rfc3339(precision: result.precision))  \(f.client)\(f.tls ? " (tls)" : "")"
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
            if let link = result.timeline.uncertainSQL[f.index] {
                out += link.confidence == .likely ? "  likely" : "  (ambiguous: \(link.candidates.count) requests fit)"
            }
            if let http = result.timeline.httpOfSQL[f.index], result.http.indices.contains(http) {
                let served: (index: Int, method: String, path: String)
                if let request, request.index == http {
                    served = request
                } else {
                    let fact = result.http[http]
                    served = (http, fact.method, fact.path)
                    request = served
                }
                out += "  (in \(served.method) \(served.path))"
            }
            emit(out + "\n")
        }
        for note in result.tls where note.summary.hasPrefix("MySQL") {
            emit("TLS \(note.client) -> \(note.server): \(note.summary)\n")
        }
    }
}
