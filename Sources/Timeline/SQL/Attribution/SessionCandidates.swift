/// The requests that could have issued each session, before any reasoning across sessions.
struct SessionCandidates {
    /// Per session, indices into `AttributionInput.requests`, ascending.
    var requests: [[Int]]
    /// Per session: no request spans it whole; `requests` holds those in progress when it began
    /// that ended at most 50 ms before it did (a return's ROLLBACK sent after the response), at
    /// best a likely owner.
    var straddles: [Bool]

    /// A session's candidates are the requests of its service in progress from its first statement
    /// to its last (both clocks are the capture's, corrected per file). Where the session names
    /// something (an image id, an image name, a token's issue time) that some of them carry, only
    /// those remain. A proxy's front leg (haproxy's TLS side of the same call) gives way to the leg
    /// nearest the server.
    init(sessions: [SQLSession], input: AttributionInput) {
        requests = []
        straddles = []
        requests.reserveCapacity(sessions.count)
        straddles.reserveCapacity(sessions.count)
        let all = input.requests
        // A sweep over start times: only requests begun and not yet ended stay in `active`.
        var active: [Int] = []
        var next = 0
        for session in sessions {
            while next < all.count, all[next].start <= session.start {
                active.append(next)
                next += 1
            }
            active.removeAll { all[$0].end < session.start }
            let service = input.serviceOfConnection[session.connection]
            var spanning: [Int] = []
            var begun: [Int] = []
            for r in active where service == nil || all[r].service == service {
                if all[r].end >= session.end {
                    spanning.append(r)
                } else if session.end - all[r].end <= ExclusiveLaneSolver.closeWithin {
                    begun.append(r)
                }
            }
            let straddling = spanning.isEmpty && !begun.isEmpty
            var candidates = straddling ? begun : spanning
            if !session.names.isEmpty {
                let naming = candidates.filter { r in all[r].names.contains { session.names.contains($0) } }
                if !naming.isEmpty { candidates = naming }
            }
            candidates = Self.withoutFrontLegs(candidates, all)
            candidates.sort()
            requests.append(candidates)
            straddles.append(straddling)
        }
    }

    /// Drops a candidate that encloses another with the same method and path on another server:
    /// the same call seen before a proxy, whose SQL belongs to the leg the server answered.
    static func withoutFrontLegs(_ candidates: [Int], _ all: [AttributionInput.Request]) -> [Int] {
        // Pairwise; a set this large is ambiguous anyway and keeps every member.
        guard candidates.count > 1, candidates.count <= 64 else { return candidates }
        return candidates.filter { a in
            !candidates.contains { b in
                a != b && all[a].method == all[b].method && all[a].path == all[b].path && all[a].server != all[b].server
                    && all[a].start <= all[b].start && all[b].end <= all[a].end
            }
        }
    }
}
