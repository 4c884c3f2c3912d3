import Analysis
import CaptureIO
import Timeline

/// The elements of the `http` and `sql` arrays written straight as UTF-8 (`JSONObjectWriter`),
/// the text of `AnalysisJSON.http`'s and `sql`'s `JSONValue` elements byte for byte (a test
/// compares them): those arrays are most of `analyze --format json` and all of `http` and `sql
/// --format json`, and building a tree per element cost more than writing it.
extension AnalysisJSON {
    /// A writer of `http[]` elements for one thread, reading through a reader of its own.
    static func httpElementWriter(_ result: AnalysisResult, concurrent: Bool) -> LazyJSONArray.ElementWriter {
        let facts = result.http, timeline = result.timeline
        let reader = concurrent ? facts.makeReader() : nil
        let legs = timeline.legs.http
        var times = ListTimeText(precision: result.precision)
        return { index, indent, out in
            // No member shows the message texts: read the facts without them.
            let fact = reader?.withoutMessages(at: index) ?? facts.withoutMessages(at: index)
            var o = JSONObjectWriter(indent: indent, &out)
            o.key("time", &out); quoted(fact.time, &times, &out)
            o.key("end", &out); quoted(fact.end, &times, &out)
            o.string("client", fact.client, &out)
            o.string("server", fact.server, &out)
            o.string("service", fact.service, &out)
            o.string("operation", fact.operation.rawValue, &out)
            // Encrypted and not decrypted: no request line to show.
            o.string("method", fact.inferred ? nil : fact.method, &out)
            o.string("path", fact.inferred ? nil : fact.path, &out)
            o.string("query", fact.query, &out)
            o.int("status", fact.status, &out)
            o.double("duration_ms", milliseconds(fact.time, fact.end), &out)
            o.string("request_id", fact.requestID, &out)
            o.int("request_bytes", fact.requestBytes, &out)
            o.int("response_bytes", fact.responseBytes, &out)
            o.string("image_id", fact.imageID, &out)
            o.bool("tls", fact.tls, &out)
            o.ints("sql", timeline.sqlOfHTTP[fact.index] ?? [], &out)
            o.int("connection", fact.connection, &out)
            o.string("token", fact.tokenFingerprint, &out)
            o.int("token_issue", timeline.tokenIssueOfHTTP[fact.index], &out)
            o.bool("complete", fact.requestComplete, &out)
            o.string("upload_md5", fact.uploadMD5, &out)
            o.string("upload_sha512", fact.uploadSHA512, &out)
            o.strings("notes", fact.notes, &out)
            o.int("request_wire_bytes", fact.requestWireBytes, &out)
            o.bool("inferred", fact.inferred, &out)
            o.strings("evidence", fact.evidence, &out)
            o.int("leg_of", legs.legOf[fact.index], &out)
            o.ints("legs", legs.legs[fact.index] ?? [], &out)
            o.int("bytes_not_captured", fact.bytesNotCaptured, &out)
            // `DataPathJSON.httpMembers`.
            let cause = timeline.causeOfHTTP[fact.index]
            o.int("caused_by", cause?.request, &out)
            o.string("attribution", cause?.confidence.rawValue, &out)
            o.ints("candidates", cause?.candidates ?? [], &out)
            o.string("cause_evidence", cause?.evidence.rawValue, &out)
            o.ints("calls", timeline.callsOfHTTP[fact.index] ?? [], &out)
            o.string("download_md5", fact.transfer.downloadDigests?.md5, &out)
            o.string("download_sha512", fact.transfer.downloadDigests?.sha512, &out)
            o.string("etag", fact.transfer.etag, &out)
            o.string("trans_id", fact.transfer.transID, &out)
            o.end(&out)
        }
    }

    /// A writer of `sql[]` elements for one thread, reading through a reader of its own.
    static func sqlElementWriter(_ result: AnalysisResult, concurrent: Bool) -> LazyJSONArray.ElementWriter {
        let facts = result.sql, timeline = result.timeline
        let reader = concurrent ? facts.makeReader() : nil
        let legs = timeline.legs.sql
        var times = ListTimeText(precision: result.precision)
        return { index, indent, out in
            let fact = reader?[index] ?? facts[index]
            let link = timeline.attribution(ofSQL: fact.index)
            var o = JSONObjectWriter(indent: indent, &out)
            o.key("time", &out); quoted(fact.time, &times, &out)
            o.key("end", &out); quoted(fact.end, &times, &out)
            o.string("client", fact.client, &out)
            o.string("server", fact.server, &out)
            o.int("connection_id", fact.threadID, &out)
            o.string("user", fact.user, &out)
            o.string("database", fact.database, &out)
            o.string("command", fact.command.name, &out)
            o.string("statement", fact.statement, &out)
            o.key("result", &out)
            var r = JSONObjectWriter(indent: o.inner, &out)
            switch fact.outcome {
            case .ok(let affected):
                r.string("kind", "ok", &out)
                r.int("affected_rows", affected.map { Int(truncatingIfNeeded: $0) }, &out)
                r.int("last_insert_id", fact.lastInsertID.map { Int(truncatingIfNeeded: $0) }, &out)
            case .error(let code, let message):
                r.string("kind", "error", &out)
                r.int("error_code", code, &out)
                r.string("sqlstate", fact.sqlstate, &out)
                r.string("message", message, &out)
            case .rows(let count):
                r.string("kind", "rows", &out)
                r.int("rows", count, &out)
            case .none:
                r.string("kind", "none", &out)
            }
            r.end(&out)
            o.double("duration_ms", milliseconds(fact.time, fact.end), &out)
            o.string("image_id", timeline.imageOfSQL[fact.index], &out)
            o.int("http", timeline.httpOfSQL[fact.index], &out)
            o.string("attribution", link?.confidence.rawValue, &out)
            o.ints("candidates", link?.candidates ?? [], &out)
            o.int("connection", fact.connection, &out)
            o.bool("complete", fact.complete, &out)
            o.bool("tls", fact.tls, &out)
            o.int("leg_of", legs.legOf[fact.index], &out)
            o.end(&out)
        }
    }

    /// A time as a JSON string (RFC 3339 needs no escape).
    private static func quoted(_ time: Timestamp, _ times: inout ListTimeText, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        times.append(time, to: &out)
        out.append(UInt8(ascii: "\""))
    }
}
