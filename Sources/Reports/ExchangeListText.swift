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
        httpBytes(result, formatter: formatter) { emit(String(decoding: $0, as: UTF8.self)) }
    }

    /// The `http` list as UTF-8 bytes, a chunk of lines at a time.
    /// (`wholeFacts`: every line from the fact read whole, as a test compares.)
    package static func httpBytes(_ result: AnalysisResult, formatter: OrderedChunkFormatter = OrderedChunkFormatter(),
                                  wholeFacts: Bool = false, emit: ([UInt8]) -> Void) {
        var formatter = formatter
        if !result.http.readsConcurrently { formatter.threads = 1 }
        formatter.run(count: result.http.count, empty: [UInt8](), makeWorker: { HTTPListLines(result, wholeFacts: wholeFacts) },
                      format: { lines, range, out in
            out.reserveCapacity(range.count &* 256)
            for position in range { lines.append(position, to: &out) }
        }, emit: emit)
        for note in result.tls { emit(Array("TLS \(note.client) -> \(note.server): \(note.summary)\n".utf8)) }
    }

    /// The `sql` list, handed to `emit` a chunk of lines at a time.
    package static func sql(_ result: AnalysisResult, formatter: OrderedChunkFormatter = OrderedChunkFormatter(),
                            emit: (String) -> Void) {
        sqlBytes(result, formatter: formatter) { emit(String(decoding: $0, as: UTF8.self)) }
    }

    /// The `sql` list as UTF-8 bytes, a chunk of lines at a time.
    package static func sqlBytes(_ result: AnalysisResult, formatter: OrderedChunkFormatter = OrderedChunkFormatter(),
                                 wholeFacts: Bool = false, emit: ([UInt8]) -> Void) {
        var formatter = formatter
        if !result.sql.readsConcurrently || !result.http.readsConcurrently { formatter.threads = 1 }
        formatter.run(count: result.sql.count, empty: [UInt8](), makeWorker: { SQLListLines(result, wholeFacts: wholeFacts) },
                      format: { lines, range, out in
            out.reserveCapacity(range.count &* 256)
            for position in range { lines.append(position, to: &out) }
        }, emit: emit)
        for note in result.tls where note.summary.hasPrefix("MySQL") {
            emit(Array("TLS \(note.client) -> \(note.server): \(note.summary)\n".utf8))
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

/// The lines of the `http` list, for one thread, written from each fact's stored bytes
/// (`HTTPListFields`); a fact with more to show than its bytes hold (an upload's digests, an
/// inferred call's operation) is read whole.
private struct HTTPListLines {
    let result: AnalysisResult
    let http: HTTPFactStore.Reader
    /// The timeline's links, taken once per thread rather than per line.
    let links: LegLinks
    let sqlOfHTTP: [Int: [Int]]
    let causeOfHTTP: [Int: CallCause]
    var times: ListTimeText
    let wholeFacts: Bool

    init(_ result: AnalysisResult, wholeFacts: Bool) {
        self.result = result
        self.wholeFacts = wholeFacts
        http = result.http.makeReader()
        links = result.timeline.legs.http
        sqlOfHTTP = result.timeline.sqlOfHTTP
        causeOfHTTP = result.timeline.causeOfHTTP
        times = ListTimeText(precision: result.precision)
    }

    /// The line of the fact at `position`. Other facts (the request a call was made in, a
    /// proxy's legs) are read before or after the fact's own fields, never while the reader
    /// lends those: reading moves its buffer.
    mutating func append(_ position: Int, to out: inout [UInt8]) {
        let madeIn = causeOfHTTP.isEmpty ? "" : ExchangeListText.madeIn(position, result, http)
        var span = (Timestamp(nanoseconds: 0), Timestamp(nanoseconds: 0))
        if wholeFacts || !http.withListFields(at: position, { f in
            span = (f.time, f.end)
            append(f, position, whole: nil, madeIn: madeIn, to: &out)
        }) {
            // The list shows no message texts: facts are read without them.
            let fact = http.withoutMessages(at: position)
            span = (fact.time, fact.end)
            HTTPListFields.withFields(of: fact) { append($0, position, whole: fact, madeIn: madeIn, to: &out) }
        }
        appendLegs(position, span, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// The line of the fact at `index` up to its legs, from its fields (and, for what they
    /// lack, `whole`).
    private mutating func append(_ f: borrowing HTTPListFields, _ index: Int, whole: HTTPFact?, madeIn: String,
                                 to out: inout [UInt8]) {
        times.append(f.time, to: &out)
        out.append("  "); out.append(stored: f.client); out.append(" -> "); out.append(stored: f.server)
        out.append(f.tls ? " (tls)  " : "  ")
        if f.inferred, let whole {
            out.append("encrypted, inferred from records  "); out.append(stored: f.service); out.append(" ")
            out.append(text: InferredCallText.operation(whole))
        } else {
            out.append(stored: f.method); out.append(" "); out.append(stored: f.path); out.append(" -> ")
            if let status = f.status {
                out.append(decimal: status)
            } else {
                out.append(f.responseBytes > 0 ? "unreadable status" : "no response")
            }
            out.append("  "); out.append(stored: f.service); out.append(" "); out.append(stored: f.operation)
        }
        out.append("  "); out.append(format3: Double(f.end.nanoseconds(since: f.time)) / 1e6); out.append(" ms")
        out.append("  req "); out.append(decimal: f.requestBytes); out.append(" B, resp ")
        out.append(decimal: f.responseBytes); out.append(" B")
        if let id = f.imageID { out.append("  image "); out.append(stored: id) }
        if let r = f.requestID { out.append("  "); out.append(stored: r) }
        if !sqlOfHTTP.isEmpty, let sql = sqlOfHTTP[index], !sql.isEmpty {
            out.append("  "); out.append(decimal: sql.count); out.append(" SQL")
        }
        out.append(text: madeIn)
        if let whole { appendDigests(whole, to: &out) }
        f.forEachNote { note in out.append("  ["); out.append(stored: note); out.append("]") }
    }

    /// A proxy's legs of the fact at `index`, which spans `span`.
    private func appendLegs(_ index: Int, _ span: (Timestamp, Timestamp), to out: inout [UInt8]) {
        guard !links.legOf.isEmpty || !links.legs.isEmpty else { return }
        if let front = links.legOf[index] {
            let fact = http[front]
            out.append(text: "  [proxy leg of \(fact.client) -> \(fact.server) at \(AnalysisText.clock(fact.time))]")
        }
        for leg in links.legs[index] ?? [] {
            let fact = http[leg]
            out.append("  [forwarded to "); out.append(text: fact.server)
            if let added = ProxyHops.addedNanoseconds(outer: span, inner: (fact.time, fact.end)) {
                out.append(", proxy added "); out.append(format3: Double(added) / 1e6); out.append(" ms")
            }
            out.append("]")
        }
    }

    /// In full: they are what one compares with `openstack image show`'s checksum and os_hash_value.
    private func appendDigests(_ f: HTTPFact, to out: inout [UInt8]) {
        if let digests = f.uploadDigests, let md5 = digests.md5, let sha512 = digests.sha512 {
            out.append(text: "  upload md5 \(md5) sha512 \(sha512)")
        } else if let md5 = f.uploadDigests?.md5 {
            out.append(text: "  upload md5 \(md5)")  // a segment of a large object: its SHA-512 goes to the whole
        }
        if let digests = f.transfer.downloadDigests, let md5 = digests.md5, let sha512 = digests.sha512 {
            out.append(text: "  download md5 \(md5) sha512 \(sha512)")
        }
    }
}

/// The lines of the `sql` list, for one thread, written from each fact's stored bytes
/// (`SQLListFields`).
private struct SQLListLines {
    let result: AnalysisResult
    let sql: SQLFactStore.Reader
    let http: HTTPFactStore.Reader
    var times: ListTimeText
    /// Statements in a row mostly serve one request: its label is made once for all of them.
    var request: (index: Int, label: [UInt8])?
    /// The timeline's links, taken once per thread rather than per line.
    let links: LegLinks
    let uncertainSQL: [Int: SQLAttributionLink]
    let httpOfSQL: [Int: Int]
    let wholeFacts: Bool

    init(_ result: AnalysisResult, wholeFacts: Bool) {
        self.result = result
        self.wholeFacts = wholeFacts
        sql = result.sql.makeReader()
        http = result.http.makeReader()
        links = result.timeline.legs.sql
        uncertainSQL = result.timeline.uncertainSQL
        httpOfSQL = result.timeline.httpOfSQL
        times = ListTimeText(precision: result.precision)
    }

    /// The line of the fact at `position`. Other facts (the request served, a proxy's legs) are
    /// read before or after the fact's own fields, never while the reader lends those.
    mutating func append(_ position: Int, to out: inout [UInt8]) {
        var served = false
        if let index = httpOfSQL[position], result.http.indices.contains(index) {
            served = true
            if request?.index != index {
                let fact = http[index]
                request = (index, Array((fact.inferred ? "the \(InferredCallText.call(fact))" : "\(fact.method) \(fact.path)").utf8))
            }
        }
        var span = (Timestamp(nanoseconds: 0), Timestamp(nanoseconds: 0))
        if wholeFacts || !sql.withListFields(at: position, { f in
            span = (f.time, f.end)
            append(f, position, served: served, to: &out)
        }) {
            // A fact the temporary file could not give back (a lost fact), or a test's `wholeFacts`.
            let fact = sql[position]
            span = (fact.time, fact.end)
            SQLListFields.withFields(of: fact) { append($0, position, served: served, to: &out) }
        }
        appendLegs(position, span, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// The line of the fact at `index` up to its legs (`served`: `request` is the request it served).
    private mutating func append(_ f: borrowing SQLListFields, _ index: Int, served: Bool, to out: inout [UInt8]) {
        times.append(f.time, to: &out); out.append("  "); out.append(stored: f.client)
        if f.tls { out.append(" (tls)") }
        if let id = f.threadID { out.append(" #"); out.append(decimal: id) }
        if let user = f.user { out.append(" "); out.append(stored: user) }
        if let db = f.database { out.append("@"); out.append(stored: db) }
        out.append("  "); out.append(text: f.command.name); out.append(": ")
        out.append(abbreviated: f.statement, 200); out.append("  -> ")
        switch f.outcome {
        case .ok(let affected):
            out.append("OK")
            if let affected { out.append(", "); out.append(decimal: Int(truncatingIfNeeded: affected)); out.append(" rows affected") }
        case .error(let code, let message):
            out.append("ERROR "); out.append(decimal: code); out.append(" "); out.append(stored: message)
        case .rows(let n):
            out.append(decimal: n); out.append(n == 1 ? " row" : " rows")
        case .none: out.append("no response")
        }
        out.append("  "); out.append(format3: Double(f.end.nanoseconds(since: f.time)) / 1e6); out.append(" ms")
        if !uncertainSQL.isEmpty, let link = uncertainSQL[index] {
            if link.confidence == .likely {
                out.append("  likely")
            } else {
                out.append("  (ambiguous: "); out.append(decimal: link.candidates.count); out.append(" requests fit)")
            }
        }
        if served { out.append("  (in "); out.append(contentsOf: request?.label ?? []); out.append(")") }
    }

    /// A proxy's legs of the fact at `index`, which spans `span`.
    private func appendLegs(_ index: Int, _ span: (Timestamp, Timestamp), to out: inout [UInt8]) {
        guard !links.legOf.isEmpty || !links.legs.isEmpty else { return }
        if let twin = links.legOf[index] {
            out.append(text: "  [proxy leg: relayed to \(sql[twin].server)]")
        }
        for leg in links.legs[index] ?? [] {
            let a = result.sql.time(at: leg), b = result.sql.end(at: leg)
            out.append(text: "  [relayed by a proxy for \(sql[leg].client)")
            if let added = ProxyHops.addedNanoseconds(outer: (a, b), inner: span) {
                out.append(", proxy added "); out.append(format3: Double(added) / 1e6); out.append(" ms")
            }
            out.append("]")
        }
    }
}
