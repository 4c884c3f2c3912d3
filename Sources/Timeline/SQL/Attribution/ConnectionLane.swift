/// The sessions of one MySQL connection, and whether one request at a time holds it.
///
/// A connection belongs to one server process. Where that process serves one request at a time
/// (Keystone under uWSGI or mod_wsgi, one thread per process, as TripleO, devstack and the test
/// bed run it), its connection is *exclusive*: a request that took it keeps it until the request
/// ends, so sessions between two request ends belong to the later one. Where threads share the
/// pool (Glance's eight per process), a connection passes between requests in progress and each
/// session stands alone. The service gives the presumption (`exclusiveServices`), the capture can
/// overturn it: two sessions certain by themselves that pass the connection to another request
/// while the first is still in progress make it shared. Nothing on the wire can prove a connection
/// exclusive, so a service not known for single-request workers is taken as shared: less is
/// attributed, nothing wrongly.
struct ConnectionLane {
    /// A stretch of sessions with no candidate's end between them: on an exclusive connection they
    /// have one owner.
    struct Run {
        /// Indices into the session array.
        var sessions: [Int]
        var start: Int64
        var end: Int64
        /// Requests that span every session of the run (indices into `AttributionInput.requests`).
        var candidates: Set<Int>
        var names: Set<Int32>
    }

    var connection: Int
    /// Indices into the session array, in time order, of the sessions some request spans.
    var sessions: [Int]
    var shared: Bool
    var runs: [Run] = []

    /// Services whose workers serve one request at a time.
    static let exclusiveServices: Set<String> = ["keystone"]

    /// Lanes of every connection; `candidates` as `SessionCandidates` made them.
    static func lanes(sessions: [SQLSession], candidates: SessionCandidates, requests: [AttributionInput.Request],
                      serviceOfConnection: [Int: String], exclusiveServices: Set<String> = exclusiveServices) -> [ConnectionLane] {
        var byConnection: [Int: [Int]] = [:]
        for (index, session) in sessions.enumerated() where !candidates.requests[index].isEmpty && !candidates.straddles[index] {
            byConnection[session.connection, default: []].append(index)
        }
        return byConnection.keys.sorted().map { connection in
            let members = byConnection[connection] ?? []
            let presumedExclusive = serviceOfConnection[connection].map(exclusiveServices.contains) ?? false
            var lane = ConnectionLane(connection: connection, sessions: members,
                                      shared: !presumedExclusive || isShared(members, sessions, candidates.requests, requests))
            if !lane.shared { lane.runs = runs(members, sessions, candidates.requests, requests) }
            return lane
        }
    }

    static func isShared(_ members: [Int], _ sessions: [SQLSession], _ candidates: [[Int]], _ requests: [AttributionInput.Request]) -> Bool {
        for (a, b) in zip(members, members.dropFirst()) {
            guard candidates[a].count == 1, candidates[b].count == 1, candidates[a][0] != candidates[b][0] else { continue }
            if requests[candidates[a][0]].end > sessions[b].start { return true }
        }
        return false
    }

    /// Splits a connection's sessions where a candidate of the earlier one ends between the two, or
    /// where no request could hold both.
    static func runs(_ members: [Int], _ sessions: [SQLSession], _ candidates: [[Int]], _ requests: [AttributionInput.Request]) -> [Run] {
        var runs: [Run] = []
        for index in members {
            let session = sessions[index]
            let own = Set(candidates[index])
            if var last = runs.popLast() {
                let previous = sessions[last.sessions[last.sessions.count - 1]]
                let boundary = candidates[last.sessions[last.sessions.count - 1]].contains { r in
                    requests[r].end >= previous.end && requests[r].end <= session.start
                }
                let common = last.candidates.intersection(own)
                if !boundary, !common.isEmpty {
                    last.sessions.append(index)
                    last.end = max(last.end, session.end)
                    last.candidates = common
                    last.names.formUnion(session.names)
                    runs.append(last)
                    continue
                }
                runs.append(last)
            }
            runs.append(Run(sessions: [index], start: session.start, end: session.end, candidates: own, names: Set(session.names)))
        }
        return runs
    }
}
