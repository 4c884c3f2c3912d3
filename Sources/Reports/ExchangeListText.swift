import Analysis
import CaptureIO
import Timeline

/// One line per HTTP exchange (`glancetrace http`) or SQL command (`glancetrace sql`).
///
/// The lines are formatted in chunks on every core (`OrderedChunkFormatter`), each thread
/// reading the facts through readers of its own; the text is the same whatever the threads.
package enum ExchangeListText {
    package static func http(_ result: AnalysisResult, formatter: OrderedChunkFormatter = OrderedChunkFormatter()) -> String {
        var out = ""
        http(result, formatter: formatter) { out += $0 }
        return out
    }

    package static func sql(_ result: AnalysisResult, formatter: OrderedChunkFormatter = OrderedChunkFormatter()) -> String {
        var out = ""
        sql(result, formatter: formatter) { out += $0 }
        return out
    }

    /// The `http` list, handed to `emit` a chunk of lines at a time: a long capture's list is
    /// never held whole.
    package static func http(_ result: AnalysisResult, formatter: OrderedChunkFormatter = OrderedChunkFormatter(),
                             emit: (String) -> Void) {
        var formatter = formatter
        if !result.http.readsConcurrently { formatter.threads = 1 }
        formatter.run(count: result.http.count, makeWorker: { HTTPListLines(result) }, format: { lines, range, out in
            out.reserveCapacity(range.count &* 256)
            for position in range { lines.append(position, to: &out) }
        }, emit: emit)
        for note in result.tls { emit("TLS \(note.client) -> \(note.server): \(note.summary)\n") }
    }

    /// The `sql` list, handed to `emit` a chunk of lines at a time.
    package static func sql(_ result: AnalysisResult, formatter: OrderedChunkFormatter = OrderedChunkFormatter(),
                            emit: (String) -> Void) {
        var formatter = formatter
        if !result.sql.readsConcurrently || !result.http.readsConcurrently { formatter.threads = 1 }
        formatter.run(count: result.sql.count, makeWorker: { SQLListLines(result) }, format: { lines, range, out in
            out.reserveCapacity(range.count &* 256)
            for position in range { lines.append(position, to: &out) }
        }, emit: emit)
        for note in result.tls where note.summary.hasPrefix("MySQL") {
            emit("TLS \(note.client) -> \(note.server): \(note.summary)\n")
        }
    }

    /// Where a call a service made itself was made: "(made in GET /v2/images/...)".
    static func madeIn(_ index: Int, _ result: AnalysisResult, _ http: HTTPFactStore.Reader) -> String {
        guard let cause = result.timeline.causeOfHTTP[index] else { return "" }
        guard let request = cause.request, result.http.indices.contains(request) else {
            return "  (made in one of \(cause.candidates.count) requests)"
        }
        let fact = http[request]
        let qualifier = CausedCalls.qualifier(index, result.timeline).map { ", \($0)" } ?? ""
        return "  (made in \(fact.method) \(fact.path)\(qualifier))"
    }
}

/// The lines of the `http` list, for one thread.
private struct HTTPListLines {
    let result: AnalysisResult
    let http: HTTPFactStore.Reader
    /// The proxy legs, taken once per thread rather than per line.
    let links: LegLinks
    var times: ListTimeText

    init(_ result: AnalysisResult) {
        self.result = result
        http = result.http.makeReader()
        links = result.timeline.legs.http
        times = ListTimeText(precision: result.precision)
    }

    mutating func append(_ position: Int, to out: inout String) {
        // The list shows no message texts: facts are read without them.
        let f = http.withoutMessages(at: position)
        times.append(f.time, to: &out); out += "  "; out += f.client; out += " -> "; out += f.server
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
        out += ExchangeListText.madeIn(f.index, result, http)
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
            let fact = http[front]
            out += "  [proxy leg of \(fact.client) -> \(fact.server) at \(AnalysisText.clock(fact.time))]"
        }
        for leg in links.legs[f.index] ?? [] {
            let fact = http[leg]
            out += "  [forwarded to \(fact.server)"
            if let added = ProxyHops.addedNanoseconds(front: f, innermost: fact) {
                out += ", proxy added \(AnalysisText.format3(Double(added) / 1e6)) ms"
            }
            out += "]"
        }
        out += "\n"
    }
}

/// The lines of the `sql` list, for one thread.
private struct SQLListLines {
    let result: AnalysisResult
    let sql: SQLFactStore.Reader
    let http: HTTPFactStore.Reader
    var times: ListTimeText
    /// Statements in a row mostly serve one request: its label is made once for all of them.
    var request: (index: Int, label: String)?
    /// The proxy legs, taken once per thread rather than per line.
    let links: LegLinks

    init(_ result: AnalysisResult) {
        self.result = result
        sql = result.sql.makeReader()
        http = result.http.makeReader()
        links = result.timeline.legs.sql
        times = ListTimeText(precision: result.precision)
    }

    mutating func append(_ position: Int, to out: inout String) {
        let f = sql[position]
        times.append(f.time, to: &out); out += "  "; out += f.client
        if f.tls { out += " (tls)" }
        if let id = f.threadID { out += " #\(id)" }
        if let user = f.user { out += " "; out += user }
        if let db = f.database { out += "@"; out += db }
        out += "  \(f.command): "; out += AnalysisText.abbreviated(f.statement, 200); out += "  -> "
        switch f.outcome {
        case .ok(let affected): out += "OK"; if let affected { out += ", \(affected) rows affected" }
        case .error(let code, let message): out += "ERROR \(code) "; out += message
        case .rows(let n): out += "\(n) row\(n == 1 ? "" : "s")"
        case .none: out += "no response"
        }
        out += "  "; out += AnalysisText.milliseconds(f.time, f.end); out += " ms"
        if let link = result.timeline.uncertainSQL[f.index] {
            out += link.confidence == .likely ? "  likely" : "  (ambiguous: \(link.candidates.count) requests fit)"
        }
        if let served = result.timeline.httpOfSQL[f.index], result.http.indices.contains(served) {
            if request?.index != served {
                let fact = http[served]
                request = (served, fact.inferred ? "the \(InferredCallText.call(fact))" : "\(fact.method) \(fact.path)")
            }
            out += "  (in "; out += request?.label ?? ""; out += ")"
        }
        if let twin = links.legOf[f.index] {
            out += "  [proxy leg: relayed to \(sql[twin].server)]"
        }
        for leg in links.legs[f.index] ?? [] {
            let a = result.sql.time(at: leg), b = result.sql.end(at: leg)
            out += "  [relayed by a proxy for \(sql[leg].client)"
            if let added = ProxyHops.addedNanoseconds(outer: (a, b), inner: (f.time, f.end)) {
                out += ", proxy added \(AnalysisText.format3(Double(added) / 1e6)) ms"
            }
            out += "]"
        }
        out += "\n"
    }
}
