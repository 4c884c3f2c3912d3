import Analysis
import CaptureIO
import Reassembly
import Timeline

/// DESIGN.md's JSON contract for `analyze`, `http` and `sql`: field names and order are stable.
package enum AnalysisJSON {
    package static func document(_ result: AnalysisResult) -> JSONValue {
        let p = result.precision
        return .object([
            ("version", .int(1)),
            ("captures", .array(result.captures.map(InfoReport.json))),
            ("images", .array(result.timeline.images.map { image($0, precision: p) })),
            ("http", http(result)),
            ("sql", sql(result)),
            ("anomalies", .array(result.timeline.anomalies.map { anomaly($0, precision: p) })),
            ("tcp", .object([
                ("connections", .int(result.tcp.connections)),
                ("retransmitted_segments", .int(result.tcp.retransmittedSegments)),
                ("out_of_order_segments", .int(result.tcp.outOfOrderSegments)),
                ("gaps", .int(result.tcp.gaps)),
                ("missing_bytes", .int(result.tcp.missingBytes)),
                ("bytes_not_captured", .int(result.tcp.bytesNotCaptured)),
            ])),
            ("tls", .array(result.tls.map {
                .object([("connection", .int($0.connection)), ("client", .string($0.client)),
                         ("server", .string($0.server)), ("summary", .string($0.summary))])
            })),
            ("warnings", .array(result.warnings.map { .string($0) })),
        ])
    }

    /// An anomaly; an aggregated one (issue 19) adds `count`, `first`, `last` and `examples`
    /// (absent: one occurrence, so single anomalies read as before).
    static func anomaly(_ a: Anomaly, precision p: TimestampPrecision) -> JSONValue {
        var members: [(String, JSONValue)] = [("time", .string(a.time.rfc3339(precision: p))), ("kind", .string(a.kind.rawValue)),
                                              ("message", .string(a.message))]
        if a.count > 1 {
            members.append(("count", .int(a.count)))
            members.append(("first", .string((a.first ?? a.time).rfc3339(precision: p))))
            members.append(("last", .string((a.last ?? a.time).rfc3339(precision: p))))
            members.append(("examples", .array(a.examples.map { .string($0) })))
        }
        return .object(members)
    }

    static func image(_ image: ImageLifecycle, precision p: TimestampPrecision) -> JSONValue {
        var upload: JSONValue = .null
        if let u = image.upload {
            upload = .object([
                ("bytes_on_wire", .int(u.bytesOnWire)),
                ("started", .string(u.started.rfc3339(precision: p))),
                ("ended", .string(u.ended.rfc3339(precision: p))),
                ("md5", .optional(u.md5)),
                ("sha512", .optional(u.sha512)),
                ("matches_checksum", .optional(u.matchesChecksum)),
                ("complete", .bool(u.complete)),
                ("http", .int(u.http)),
                ("duration_s", .double(u.durationSeconds)),
                ("throughput_bytes_per_s", .optional(u.throughputBytesPerSecond)),
                ("inferred", .bool(u.inferred)),
                ("size_matches", .optional(u.sizeMatches)),
                ("store", DataPathJSON.store(u.store)),
                ("bytes_not_captured", .int(u.bytesNotCaptured)),
            ])
        }
        return .object([
            ("id", .optional(image.id)),
            ("name", .optional(image.name)),
            ("disk_format", .optional(image.diskFormat)),
            ("container_format", .optional(image.containerFormat)),
            ("visibility", .optional(image.visibility)),
            ("status", .optional(image.status)),
            ("size", image.size.map { .int($0) } ?? .null),
            ("checksum", .optional(image.checksum)),
            ("os_hash_algo", .optional(image.osHashAlgo)),
            ("os_hash_value", .optional(image.osHashValue)),
            ("properties", .object(image.properties.map { ($0.name, .string($0.value)) })),
            ("transitions", .array(image.transitions.map {
                .object([("status", .string($0.status)), ("time", .string($0.time.rfc3339(precision: p))),
                         ("source", .string($0.source.rawValue)), ("http", .optional($0.http)), ("sql", .optional($0.sql))])
            })),
            ("upload", upload),
            ("phases", .array(image.phaseDurations.map {
                .object([("status", .string($0.status)), ("seconds", .double($0.seconds))])
            })),
            ("http_requests", .array(image.http.map { .int($0) })),
            ("final_row", .object(image.finalRow.sorted { $0.key < $1.key }.map { ($0.key, .optional($0.value)) })),
            ("locations", DataPathJSON.locations(image)),
            ("downloads", DataPathJSON.downloads(image, precision: p)),
        ])
    }

    /// The `http` array (also the whole output of `glancetrace http --format json`).
    package static func http(_ result: AnalysisResult) -> JSONValue {
        let p = result.precision
        let sqlOfHTTP = result.timeline.sqlOfHTTP, tokenIssues = result.timeline.tokenIssueOfHTTP
        let legs = result.timeline.legs.http
        let facts = result.http, timeline = result.timeline
        let element: @Sendable (HTTPFact) -> JSONValue = { fact in
            .object([
                ("time", .string(fact.time.rfc3339(precision: p))),
                ("end", .string(fact.end.rfc3339(precision: p))),
                ("client", .string(fact.client)),
                ("server", .string(fact.server)),
                ("service", .string(fact.service)),
                ("operation", .string(fact.operation.rawValue)),
                // Encrypted and not decrypted: no request line to show.
                ("method", fact.inferred ? .null : .string(fact.method)),
                ("path", fact.inferred ? .null : .string(fact.path)),
                ("query", .optional(fact.query)),
                ("status", .optional(fact.status)),
                ("duration_ms", .double(milliseconds(fact.time, fact.end))),
                ("request_id", .optional(fact.requestID)),
                ("request_bytes", .int(fact.requestBytes)),
                ("response_bytes", .int(fact.responseBytes)),
                ("image_id", .optional(fact.imageID)),
                ("tls", .bool(fact.tls)),
                ("sql", .array((sqlOfHTTP[fact.index] ?? []).map { .int($0) })),
                ("connection", .int(fact.connection)),
                ("token", .optional(fact.tokenFingerprint)),
                ("token_issue", .optional(tokenIssues[fact.index])),
                ("complete", .bool(fact.requestComplete)),
                ("upload_md5", .optional(fact.uploadMD5)),
                ("upload_sha512", .optional(fact.uploadSHA512)),
                ("notes", .array(fact.notes.map { .string($0) })),
                ("request_wire_bytes", .int(fact.requestWireBytes)),
                ("inferred", .bool(fact.inferred)),
                ("evidence", .array(fact.evidence.map { .string($0) })),
                ("leg_of", .optional(legs.legOf[fact.index])),
                ("legs", .array((legs.legs[fact.index] ?? []).map { .int($0) })),
                ("bytes_not_captured", .int(fact.bytesNotCaptured)),
            ] + DataPathJSON.httpMembers(fact, timeline))
        }
        // No member shows the message texts: read the facts without them.
        var makeElement: (@Sendable () -> (Int) -> JSONValue)?
        if facts.readsConcurrently {
            makeElement = {
                let reader = facts.makeReader()
                return { (i: Int) -> JSONValue in element(reader.withoutMessages(at: i)) }
            }
        }
        let concurrent = facts.readsConcurrently
        return .lazyArray(LazyJSONArray(count: facts.count, element: { element(facts.withoutMessages(at: $0)) },
                                        makeElement: makeElement,
                                        makeWriter: { httpElementWriter(result) },
                                        writersAreConcurrent: concurrent))
    }

    /// The `sql` array (also the whole output of `glancetrace sql --format json`).
    package static func sql(_ result: AnalysisResult) -> JSONValue {
        let p = result.precision
        let timeline = result.timeline
        let imageOfSQL = result.timeline.imageOfSQL, httpOfSQL = result.timeline.httpOfSQL
        let legs = result.timeline.legs.sql
        let facts = result.sql
        let element: @Sendable (SQLFact) -> JSONValue = { fact in
            let link = timeline.attribution(ofSQL: fact.index)
            return .object([
                ("time", .string(fact.time.rfc3339(precision: p))),
                ("end", .string(fact.end.rfc3339(precision: p))),
                ("client", .string(fact.client)),
                ("server", .string(fact.server)),
                ("connection_id", .optional(fact.threadID)),
                ("user", .optional(fact.user)),
                ("database", .optional(fact.database)),
                ("command", .string(fact.command.name)),
                ("statement", .string(fact.statement)),
                ("result", outcome(fact)),
                ("duration_ms", .double(milliseconds(fact.time, fact.end))),
                ("image_id", .optional(imageOfSQL[fact.index])),
                ("http", .optional(httpOfSQL[fact.index])),
                // How sure `http` is (null: no request was in progress); "ambiguous" leaves `http`
                // null and lists the requests that fit equally.
                ("attribution", .optional(link?.confidence.rawValue)),
                ("candidates", .array((link?.candidates ?? []).map { .int($0) })),
                ("connection", .int(fact.connection)),
                ("complete", .bool(fact.complete)),
                ("tls", .bool(fact.tls)),
                ("leg_of", .optional(legs.legOf[fact.index])),
            ])
        }
        var makeElement: (@Sendable () -> (Int) -> JSONValue)?
        if facts.readsConcurrently {
            makeElement = {
                let reader = facts.makeReader()
                return { (i: Int) -> JSONValue in element(reader[i]) }
            }
        }
        let concurrent = facts.readsConcurrently
        return .lazyArray(LazyJSONArray(count: facts.count, element: { element(facts[$0]) }, makeElement: makeElement,
                                        makeWriter: { sqlElementWriter(result) },
                                        writersAreConcurrent: concurrent))
    }

    static func outcome(_ fact: SQLFact) -> JSONValue {
        switch fact.outcome {
        case .ok(let affected):
            return .object([("kind", .string("ok")), ("affected_rows", affected.map { .int($0) } ?? .null),
                            ("last_insert_id", fact.lastInsertID.map { .int($0) } ?? .null)])
        case .error(let code, let message):
            return .object([("kind", .string("error")), ("error_code", .int(code)),
                            ("sqlstate", .optional(fact.sqlstate)), ("message", .string(message))])
        case .rows(let count):
            // Row values stay out of the list (Keystone's SELECTs alone would multiply its size);
            // an image's row as the database returned it is under `images[].final_row`.
            return .object([("kind", .string("rows")), ("rows", .int(count))])
        case .none:
            return .object([("kind", .string("none"))])
        }
    }

    static func milliseconds(_ start: Timestamp, _ end: Timestamp) -> Double {
        let micros = end.nanoseconds(since: start) / 1000
        return Double(micros) / 1000
    }
}
