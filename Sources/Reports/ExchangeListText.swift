import Analysis
import CaptureIO
import Timeline

/// One line per HTTP exchange (`glancetrace http`) or SQL command (`glancetrace sql`).
package enum ExchangeListText {
    package static func http(_ result: AnalysisResult) -> String {
        var out = ""
        http(result) { out += $0 }
        return out
    }

    package static func sql(_ result: AnalysisResult) -> String {
        var out = ""
        sql(result) { out += $0 }
        return out
    }

    /// The `http` list, handed to `emit` line by line: a long capture's list is never held whole.
    package static func http(_ result: AnalysisResult, emit: (String) -> Void) {
        let links = result.timeline.legs.http
        var times = ListTimeText(precision: result.precision)
        // The list shows no message texts: facts are read without them.
        for position in result.http.indices {
            let f = result.http.withoutMessages(at: position)
            // One buffer per line, appended to in place (no interpolated pieces to copy in).
            var out = ""
            out.reserveCapacity(256)
            out += times.text(f.time); out += "  "; out += f.client; out += " -> "; out += f.server
            out += f.tls ? " (tls)  " : "  "
            if f.inferred {
                out += "encrypted, inferred from records  "; out += f.service; out += " "; out += InferredCallText.operation(f)
            } else {
                out += f.method; out += " "; out += f.path; out += " -> "
                out += f.status.map(String.init) ?? (f.responseBytes > 0 ? "unreadable status" : "no response")
                out += "  "; out += f.service; out += " "; out += f.operation.rawValue
            }
            out += "  "; out += AnalysisText.milliseconds(f.time, f.end); out += " ms"
            out += "  req "; out += String(f.requestBytes); out += " B, resp "; out += String(f.responseBytes); out += " B"
            if let id = f.imageID { out += "  image "; out += id }
            if let r = f.requestID { out += "  "; out += r }
            if let sql = result.timeline.sqlOfHTTP[f.index], !sql.isEmpty { out += "  \(sql.count) SQL" }
            out += madeIn(f.index, result)
            // In full: they are what one compares with `openstack image show`'s checksum and os_hash_value.
            if let digests = f.uploadDigests, let md5 = digests.md5, let sha512 = digests.sha512 {
                out += "  upload md5 \(md5) sha512 \(sha512)"
            } else if let md5 = f.uploadDigests?.md5 {
                out += "  upload md5 \(md5)"  // a segment of a large object: its SHA-512 goes to the whole
            }
            if let digests = f.transfer.downloadDigests, let md5 = digests.md5, let sha512 = digests.sha512 {
                out += "  download md5 \(md5) sha512 \(sha512)"
            }
            for note in f.notes { out += "  [\(note)]" }
            if let front = links.legOf[f.index] {
                let fact = result.http[front]
                out += "  [proxy leg of \(fact.client) -> \(fact.server) at \(AnalysisText.clock(fact.time))]"
            }
            for leg in links.legs[f.index] ?? [] {
                let fact = result.http[leg]
                out += "  [forwarded to \(fact.server)"
                if let added = ProxyHops.addedNanoseconds(front: f, innermost: fact) {
                    out += ", proxy added \(AnalysisText.format3(Double(added) / 1e6)) ms"
                }
                out += "]"
            }
            emit(out + "\n")
        }
        for note in result.tls { emit("TLS \(note.client) -> \(note.server): \(note.summary)\n") }
    }

    /// Where a call a service made itself was made: "(made in GET /v2/images/...)".
    static func madeIn(_ index: Int, _ result: AnalysisResult) -> String {
        guard let cause = result.timeline.causeOfHTTP[index] else { return "" }
        guard let request = cause.request, result.http.indices.contains(request) else {
            return "  (made in one of \(cause.candidates.count) requests)"
        }
        let fact = result.http[request]
        let qualifier = CausedCalls.qualifier(index, result.timeline).map { ", \($0)" } ?? ""
        return "  (made in \(fact.method) \(fact.path)\(qualifier))"
    }

    /// The `sql` list, handed to `emit` line by line.
    package static func sql(_ result: AnalysisResult, emit: (String) -> Void) {
        // Statements in a row mostly serve one request: decode it once for all of them.
        var request: (index: Int, label: String)?
        let links = result.timeline.legs.sql
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
                let served: (index: Int, label: String)
                if let request, request.index == http {
                    served = request
                } else {
                    let fact = result.http[http]
                    served = (http, fact.inferred ? "the \(InferredCallText.call(fact))" : "\(fact.method) \(fact.path)")
                    request = served
                }
                out += "  (in \(served.label))"
            }
            if let twin = links.legOf[f.index] {
                out += "  [proxy leg: relayed to \(result.sql[twin].server)]"
            }
            for leg in links.legs[f.index] ?? [] {
                let a = result.sql.time(at: leg), b = result.sql.end(at: leg)
                out += "  [relayed by a proxy for \(result.sql[leg].client)"
                if let added = ProxyHops.addedNanoseconds(outer: (a, b), inner: (f.time, f.end)) {
                    out += ", proxy added \(AnalysisText.format3(Double(added) / 1e6)) ms"
                }
                out += "]"
            }
            emit(out + "\n")
        }
        for note in result.tls where note.summary.hasPrefix("MySQL") {
            emit("TLS \(note.client) -> \(note.server): \(note.summary)\n")
        }
    }
}
