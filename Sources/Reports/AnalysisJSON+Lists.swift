import Analysis
import CaptureIO
import Timeline

/// The elements of the `http` and `sql` arrays written straight as UTF-8 (`JSONObjectWriter`),
/// the text of `AnalysisJSON.http`'s and `sql`'s `JSONValue` elements byte for byte (a test
/// compares them): those arrays are most of `analyze --format json` and all of `http` and `sql
/// --format json`, and building a tree per element cost more than writing it.
extension AnalysisJSON {
    /// A writer of `http[]` elements for one thread, reading through a reader of its own (the
    /// store's own buffer when its readers share it): from the facts' stored bytes, or the fact
    /// read whole when its digests are in memory.
    static func httpElementWriter(_ result: AnalysisResult) -> LazyJSONArray.ElementWriter {
        let facts = result.http, timeline = result.timeline
        let reader = facts.makeReader()
        var times = ListTimeText(precision: result.precision)
        return { index, indent, out in
            if reader.withStoredFields(at: index, inferred: true, { fields in
                guard let rest = fields.rest() else { return }
                httpElement(fields, rest, index, whole: nil, timeline, &times, indent, &out)
            }) { return }
            // No member shows the message texts: read the facts without them.
            let fact = reader.withoutMessages(at: index)
            HTTPListFields.withFields(of: fact) { fields in
                guard let rest = fields.rest() else { return }
                httpElement(fields, rest, index, whole: fact, timeline, &times, indent, &out)
            }
        }
    }

    /// An `http[]` element from a fact's fields (its digests from `whole`, nil when it has none).
    private static func httpElement(_ f: HTTPListFields, _ rest: HTTPRestFields, _ index: Int, whole: HTTPFact?,
                                    _ timeline: ImageTimeline, _ times: inout ListTimeText, _ indent: Int?, _ out: inout [UInt8]) {
        let legs = timeline.legs.http
        var o = JSONObjectWriter(indent: indent, &out)
        span(&o, f.time, f.end, f.client, f.server, &times, &out)
        o.string("service", f.service, &out)
        o.string("operation", f.operation, &out)
        // Encrypted and not decrypted: no request line to show.
        o.string("method", f.inferred ? nil : f.method, &out)
        o.string("path", f.inferred ? nil : f.path, &out)
        o.string("query", rest.query, &out)
        o.int("status", f.status, &out)
        o.double("duration_ms", milliseconds(f.time, f.end), &out)
        o.string("request_id", f.requestID, &out)
        o.int("request_bytes", f.requestBytes, &out)
        o.int("response_bytes", f.responseBytes, &out)
        o.string("image_id", f.imageID, &out)
        o.bool("tls", f.tls, &out)
        o.ints("sql", timeline.sqlOfHTTP[index] ?? [], &out)
        o.int("connection", f.connection, &out)
        o.string("token", f.tokenFingerprint, &out)
        o.int("token_issue", timeline.tokenIssueOfHTTP[index], &out)
        o.bool("complete", f.requestComplete, &out)
        o.string("upload_md5", whole?.uploadMD5, &out)
        o.string("upload_sha512", whole?.uploadSHA512, &out)
        o.strings("notes", f.noteCount, &out) { f.forEachNote($0) }
        o.int("request_wire_bytes", rest.requestWireBytes, &out)
        o.bool("inferred", f.inferred, &out)
        o.strings("evidence", rest.evidenceCount, &out) { rest.forEachEvidence($0) }
        o.int("leg_of", legs.legOf[index], &out)
        o.ints("legs", legs.legs[index] ?? [], &out)
        o.int("bytes_not_captured", rest.bytesNotCaptured, &out)
        // `DataPathJSON.httpMembers`.
        let cause = timeline.causeOfHTTP[index]
        o.int("caused_by", cause?.request, &out)
        o.string("attribution", cause?.confidence.rawValue, &out)
        o.ints("candidates", cause?.candidates ?? [], &out)
        o.string("cause_evidence", cause?.evidence.rawValue, &out)
        o.ints("calls", timeline.callsOfHTTP[index] ?? [], &out)
        o.string("download_md5", whole?.transfer.downloadDigests?.md5, &out)
        o.string("download_sha512", whole?.transfer.downloadDigests?.sha512, &out)
        o.string("etag", rest.etag, &out)
        o.string("trans_id", rest.transID, &out)
        o.end(&out)
    }

    /// A writer of `sql[]` elements for one thread, reading through a reader of its own (the
    /// store's own buffer when its readers share it), from the facts' stored bytes.
    static func sqlElementWriter(_ result: AnalysisResult) -> LazyJSONArray.ElementWriter {
        let facts = result.sql, timeline = result.timeline
        let reader = facts.makeReader()
        var times = ListTimeText(precision: result.precision)
        return { index, indent, out in
            if reader.withListFields(at: index, { sqlElement($0, index, timeline, &times, indent, &out) }) { return }
            // A fact the temporary file could not give back (a lost fact).
            SQLListFields.withFields(of: reader[index]) { sqlElement($0, index, timeline, &times, indent, &out) }
        }
    }

    private static func sqlElement(_ f: borrowing SQLListFields, _ index: Int, _ timeline: ImageTimeline,
                                   _ times: inout ListTimeText, _ indent: Int?, _ out: inout [UInt8]) {
        let link = timeline.attribution(ofSQL: index)
        var o = JSONObjectWriter(indent: indent, &out)
        span(&o, f.time, f.end, f.client, f.server, &times, &out)
        o.int("connection_id", f.threadID, &out)
        o.string("user", f.user, &out)
        o.string("database", f.database, &out)
        o.string("command", f.command.name, &out)
        o.string("statement", f.statement, &out)
        o.key("result", &out)
        var r = JSONObjectWriter(indent: o.inner, &out)
        switch f.outcome {
        case .ok(let affected):
            r.string("kind", "ok", &out)
            r.int("affected_rows", affected.map { Int(truncatingIfNeeded: $0) }, &out)
            r.int("last_insert_id", f.lastInsertID.map { Int(truncatingIfNeeded: $0) }, &out)
        case .error(let code, let message):
            r.string("kind", "error", &out)
            r.int("error_code", code, &out)
            r.string("sqlstate", f.sqlstate, &out)
            r.string("message", message, &out)
        case .rows(let count):
            r.string("kind", "rows", &out)
            r.int("rows", count, &out)
        case .none:
            r.string("kind", "none", &out)
        }
        r.end(&out)
        o.double("duration_ms", milliseconds(f.time, f.end), &out)
        o.string("image_id", timeline.imageOfSQL[index], &out)
        o.int("http", timeline.httpOfSQL[index], &out)
        o.string("attribution", link?.confidence.rawValue, &out)
        o.ints("candidates", link?.candidates ?? [], &out)
        o.int("connection", f.connection, &out)
        o.bool("complete", f.complete, &out)
        o.bool("tls", f.tls, &out)
        o.int("leg_of", timeline.legs.sql.legOf[index], &out)
        o.end(&out)
    }

    /// The members both elements start with: when, and between whom.
    private static func span(_ o: inout JSONObjectWriter, _ time: Timestamp, _ end: Timestamp, _ client: StoredText,
                             _ server: StoredText, _ times: inout ListTimeText, _ out: inout [UInt8]) {
        o.key("time", &out); quoted(time, &times, &out)
        o.key("end", &out); quoted(end, &times, &out)
        o.string("client", client, &out)
        o.string("server", server, &out)
    }

    /// A time as a JSON string (RFC 3339 needs no escape).
    private static func quoted(_ time: Timestamp, _ times: inout ListTimeText, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        times.append(time, to: &out)
        out.append(UInt8(ascii: "\""))
    }
}
