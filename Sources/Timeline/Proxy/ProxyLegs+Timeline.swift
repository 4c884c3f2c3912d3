import CaptureIO

extension ImageTimeline {
    /// Makes the timeline speak of logical requests and statements once the proxy legs are known.
    ///
    /// A thin mapping after attribution, whatever attributed: a statement attributed to a back
    /// leg belongs to its logical front; a client-side SQL twin shares the attribution of the
    /// statement it relays; image stories, uploads, transitions and request-to-SQL lists name
    /// logical elements only, and an anomaly a leg merely repeats is dropped. The per-leg facts
    /// stay in the stores (the JSON keeps every leg).
    package mutating func apply(_ legs: ProxyLegs, http: HTTPFactStore, sql: SQLFactStore) {
        self.legs = legs
        guard !legs.isEmpty else { return }
        let requests = legs.http, statements = legs.sql

        var attribution: [Int: Int] = [:]
        for (statement, request) in httpOfSQL { attribution[statement] = requests.logical(request) }
        for leg in statements.legOf.keys.sorted() {
            let logical = statements.logical(leg)
            if attribution[logical] == nil, let request = attribution[leg] { attribution[logical] = request }
            if imageOfSQL[logical] == nil, let image = imageOfSQL[leg] { imageOfSQL[logical] = image }
        }
        for leg in statements.legOf.keys { attribution[leg] = attribution[statements.logical(leg)] }
        httpOfSQL = attribution
        var lists: [Int: [Int]] = [:]
        for position in sql.positionsByStart() where statements.isLogical(position) {
            if let request = attribution[position] { lists[request, default: []].append(position) }
        }
        sqlOfHTTP = lists
        for (exchange, issue) in tokenIssueOfHTTP { tokenIssueOfHTTP[exchange] = requests.logical(issue) }

        for i in images.indices {
            var seen = Set<Int>()
            images[i].http = images[i].http.map(requests.logical).filter { seen.insert($0).inserted }
                .sorted { (http.time(at: $0), $0) < (http.time(at: $1), $1) }
            if let upload = images[i].upload { images[i].upload?.http = requests.logical(upload.http) }
            for t in images[i].transitions.indices {
                if let request = images[i].transitions[t].http { images[i].transitions[t].http = requests.logical(request) }
                if let statement = images[i].transitions[t].sql, sql.indices.contains(statement) {
                    let logical = statements.logical(statement)
                    images[i].transitions[t].sql = logical
                    images[i].transitions[t].time = sql.time(at: logical)
                }
            }
        }
        dropRepeatedAnomalies(legs, http: http, sql: sql)
    }

    /// A leg's anomaly (its 5xx, its SQL error) repeats the logical element's: keep one.
    private mutating func dropRepeatedAnomalies(_ legs: ProxyLegs, http: HTTPFactStore, sql: SQLFactStore) {
        var logicalTimeOfLegTime: [Int64: Set<Int64>] = [:]
        for (leg, _) in legs.http.legOf {
            logicalTimeOfLegTime[http.time(at: leg).nanoseconds, default: []].insert(http.time(at: legs.http.logical(leg)).nanoseconds)
        }
        for (leg, _) in legs.sql.legOf {
            logicalTimeOfLegTime[sql.time(at: leg).nanoseconds, default: []].insert(sql.time(at: legs.sql.logical(leg)).nanoseconds)
        }
        let present = Set(anomalies.map { AnomalyKey(time: $0.time.nanoseconds, kind: $0.kind, message: $0.message) })
        anomalies.removeAll { anomaly in
            guard let logicalTimes = logicalTimeOfLegTime[anomaly.time.nanoseconds] else { return false }
            return logicalTimes.contains { time in
                time != anomaly.time.nanoseconds
                    && present.contains(AnomalyKey(time: time, kind: anomaly.kind, message: anomaly.message))
            }
        }
    }

    private struct AnomalyKey: Hashable {
        var time: Int64
        var kind: AnomalyKind
        var message: String
    }
}
