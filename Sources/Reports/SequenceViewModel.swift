import Analysis
import CaptureIO
import Timeline

/// What the HTML sequence view draws, as the compact JSON the page embeds and its script renders
/// on demand: lanes, requests, statements, image lifecycles and anomalies.
///
/// Sized for large captures: times are integer microseconds from `origin`; statements are columns
/// (one array per field) whose texts and results point into one table of distinct strings (the
/// 2 GB benchmark's 125,000 statements have about 5,000 distinct texts); request details (masked
/// headers, capped bodies) exist only for the few hundred requests.
enum SequenceViewModel {
    /// Longest statement text kept; the JSON report has them whole.
    static let statementLimit = 2000

    static func json(_ result: AnalysisResult, relations: RequestRelations) -> JSONValue {
        var parties = SequenceParties(result, relations: relations)
        let origin = Self.origin(result)
        func micros(_ t: Timestamp) -> Int64 { t.nanoseconds(since: origin) / 1000 }
        var strings = StringTable()

        // Statements, one column per field.
        var sqlTime: [Int64] = [], sqlDuration: [Int64] = [], sqlLane: [Int] = [], sqlRequest: [Int] = []
        var sqlText: [Int] = [], sqlResult: [Int] = [], sqlError: [Bool] = []
        // How sure each statement's request is: 0 certain (or none), 1 likely, n > 1 ambiguous
        // among n requests, each of which lists it under `maybe`.
        var sqlConfidence: [Int] = []
        var maybeOfRequest: [Int: [Int]] = [:]
        var last = origin
        let httpOfSQL = result.timeline.httpOfSQL
        for fact in result.sql {
            sqlTime.append(micros(fact.time))
            sqlDuration.append(fact.end.nanoseconds(since: fact.time) / 1000)
            sqlLane.append(parties.databaseLane(fact.server))
            sqlRequest.append(httpOfSQL[fact.index] ?? -1)
            // Commands without text (Ping, Quit) show their name.
            sqlText.append(strings.index(fact.statement.isEmpty ? "[\(fact.command)]" : AnalysisText.abbreviated(fact.statement, statementLimit)))
            sqlResult.append(strings.index(LiveEventText.outcomeText(fact.outcome)))
            if case .error = fact.outcome { sqlError.append(true) } else { sqlError.append(false) }
            switch result.timeline.uncertainSQL[fact.index] {
            case let link? where link.http == nil:
                sqlConfidence.append(max(link.candidates.count, 2))
                for candidate in link.candidates { maybeOfRequest[candidate, default: []].append(fact.index) }
            case _?: sqlConfidence.append(1)
            case nil: sqlConfidence.append(0)
            }
            if fact.end > last { last = fact.end }
        }

        var imageOfRequest: [Int: Int] = [:]
        for (k, image) in result.timeline.images.enumerated() {
            for i in image.http where imageOfRequest[i] == nil { imageOfRequest[i] = k }
        }
        var requests: [JSONValue] = []
        for (position, fact) in result.http.enumerated() {
            // `index` equals the position in an analysis; a hand-assembled result may differ, so
            // lanes (per position) and links (per index) are looked up each by its own key.
            let i = fact.index
            if fact.end > last { last = fact.end }
            var anomalous = (fact.status ?? 0) >= 500 || !fact.requestComplete || !fact.notes.isEmpty
            if fact.status == nil { anomalous = true }
            requests.append(.object([
                ("i", .int(i)), ("t", .int(micros(fact.time))), ("d", .int(fact.end.nanoseconds(since: fact.time) / 1000)),
                ("from", .int(parties.callerOfRequest[position])), ("to", .int(parties.serverOfRequest[position])),
                ("client", .string(fact.client)), ("server", .string(fact.server)),
                ("service", .string(fact.service)), ("operation", .string(fact.operation.rawValue)),
                ("method", .string(fact.method)), ("path", .string(fact.path)), ("status", .optional(fact.status)),
                ("image", .optional(imageOfRequest[i])), ("sql", .array((result.timeline.sqlOfHTTP[i] ?? []).map { .int($0) })),
                ("maybe", .array((maybeOfRequest[i] ?? []).map { .int($0) })),
                ("tls", .bool(fact.tls)), ("inferred", .bool(relations.inferred.contains(i))),
                ("legOf", .optional(relations.legOf[i])), ("causedBy", .optional(relations.causedBy[i])),
                ("requestId", .optional(fact.requestID)), ("requestBytes", .int(fact.requestBytes)),
                ("responseBytes", .int(fact.responseBytes)), ("anomalous", .bool(anomalous)),
                ("notes", .array(fact.notes.map { .string($0) })),
                ("request", .optional(fact.messages?.request)), ("response", .optional(fact.messages?.response)),
            ]))
        }

        let images: [JSONValue] = result.timeline.images.map { image in
            .object([
                ("id", .optional(image.id)), ("name", .optional(image.name)), ("status", .optional(image.status)),
                ("requests", .array(image.http.map { .int($0) })),
                ("transitions", .array(image.transitions.map { t in
                    .object([("status", .string(t.status)), ("t", .int(micros(t.time))), ("time", .string(t.time.rfc3339(precision: result.precision))),
                             ("source", .string(t.source.rawValue)),
                             ("request", .optional(t.http ?? t.sql.flatMap { httpOfSQL[$0] })), ("sql", .optional(t.sql))])
                })),
            ])
        }
        let anomalies: [JSONValue] = result.timeline.anomalies.map {
            .object([("t", .int(micros($0.time))), ("kind", .string($0.kind.rawValue)), ("message", .string($0.message))])
        }
        for capture in result.captures { if let end = capture.last, end > last { last = end } }

        let lanes: [JSONValue] = parties.parties.map {
            .object([("kind", .string($0.kind.rawValue)), ("endpoint", .string($0.endpoint)), ("label", .string($0.label))])
        }
        let fields = origin.utcFields
        let dayMicros = ((fields.hour * 60 + fields.minute) * 60 + fields.second) * 1_000_000 + origin.subsecondNanoseconds / 1000
        let (time, duration, lane, request, text, outcome, error) = (sqlTime, sqlDuration, sqlLane, sqlRequest, sqlText, sqlResult, sqlError)
        let confidence = sqlConfidence
        return .object([
            ("version", .int(1)),
            ("origin", .string(origin.rfc3339(precision: result.precision))),
            ("originDayMicros", .int(dayMicros)),
            ("span", .int(max(micros(last), 1))),
            ("parties", .array(lanes)),
            ("requests", .array(requests)),
            ("sql", .object([
                ("t", column(time.count) { .int(time[$0]) }), ("d", column(duration.count) { .int(duration[$0]) }),
                ("lane", column(lane.count) { .int(lane[$0]) }), ("request", column(request.count) { .int(request[$0]) }),
                ("text", column(text.count) { .int(text[$0]) }), ("result", column(outcome.count) { .int(outcome[$0]) }),
                ("error", column(error.count) { .int(error[$0] ? 1 : 0) }),
                ("conf", column(confidence.count) { .int(confidence[$0]) }),
            ])),
            ("strings", strings.json),
            ("images", .array(images)),
            ("anomalies", .array(anomalies)),
        ])
    }

    /// Time zero of the view: the first packet, or the first fact when no capture says.
    static func origin(_ result: AnalysisResult) -> Timestamp {
        if let first = result.captures.compactMap(\.first).min() { return first }
        let firstHTTP = result.http.isEmpty ? nil : result.http.time(at: 0)
        let firstSQL = result.sql.isEmpty ? nil : result.sql.time(at: 0)
        return [firstHTTP, firstSQL].compactMap { $0 }.min() ?? .zero
    }

    /// A column written element by element (a hundred thousand statements are never a hundred
    /// thousand JSON values at once).
    static func column(_ count: Int, _ element: @escaping @Sendable (Int) -> JSONValue) -> JSONValue {
        .lazyArray(LazyJSONArray(count: count, element: element))
    }
}

/// Distinct strings, each stored once and referred to by position.
struct StringTable {
    private var positions: [String: Int] = [:]
    private(set) var strings: [String] = []

    mutating func index(_ text: String) -> Int {
        if let known = positions[text] { return known }
        strings.append(text)
        positions[text] = strings.count - 1
        return strings.count - 1
    }

    var json: JSONValue { .array(strings.map { .string($0) }) }
}
