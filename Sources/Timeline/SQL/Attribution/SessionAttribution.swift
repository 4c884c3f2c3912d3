/// Gives each connection session to the request that issued it, with how sure that is.
///
/// 1. Statements group into sessions (`SQLSessionSplitter`); each session's candidates are the
///    requests of its service that span it, narrowed by what it names (`SessionCandidates`).
/// 2. On an exclusive connection (one request at a time, see `ConnectionLane`) the owners of its
///    runs follow from the request ends between them (`ExclusiveLaneSolver.support`). Across
///    connections, a request that certainly closes on one connection does not close on another,
///    and a token validation, which always issues SQL naming the token's issue time, owns the one
///    run left that names it. These rounds repeat until nothing changes (a few times at most).
/// 3. Runs with one possible owner are certain; among several, the reading whose responses follow
///    the runs most tightly, by a clear margin, is likely; the rest are ambiguous.
/// 4. On a shared connection each session stands alone: one candidate is certain, several are
///    ambiguous. (Which one's response follows the session soonest is no evidence there: among
///    three concurrent uploads fed with the servers' request spans it named the wrong one.)
enum SessionAttribution {
    /// A likely owner's reading must cost this much less than any other: a whole tight closing's
    /// worth (`ExclusiveLaneSolver.closeWithin`). At 10 ms, readings fed with the servers' own
    /// request spans (AttributionOnServerLogsTests) were wrong one time in fifty.
    static let likelyMargin: Int64 = 50_000_000
    static let maximumRounds = 8

    /// Per statement index (into `input.statements`), its link; nil where no request spans it.
    static func links(_ input: AttributionInput) -> [SQLAttributionLink?] {
        let sessions = SQLSessionSplitter.sessions(of: input.statements)
        let candidates = SessionCandidates(sessions: sessions, input: input)
        var lanes = ConnectionLane.lanes(sessions: sessions, candidates: candidates, requests: input.requests,
                                         serviceOfConnection: input.serviceOfConnection)
        for i in lanes.indices where !lanes[i].shared {
            dropRequestsMissingTheirNames(&lanes[i].runs, input.requests)
        }
        let owners = solveExclusiveLanes(&lanes, input.requests)

        var sessionLinks = [SQLAttributionLink?](repeating: nil, count: sessions.count)
        for (i, lane) in lanes.enumerated() {
            if let support = owners[i] {
                let costs = ExclusiveLaneSolver.costs(lane.runs, requests: input.requests, allowed: support)
                for (k, run) in lane.runs.enumerated() {
                    let link = runLink(support[k], costs[k])
                    for session in run.sessions { sessionLinks[session] = link }
                }
            } else {
                for session in lane.sessions {
                    sessionLinks[session] = standaloneLink(candidates.requests[session])
                }
            }
        }
        // Sessions outside every lane: those no request spans whole (straddling a response).
        for index in sessions.indices where candidates.straddles[index] {
            var link = standaloneLink(candidates.requests[index])
            if link?.confidence == .certain { link?.confidence = .likely }
            sessionLinks[index] = link
        }

        var links = [SQLAttributionLink?](repeating: nil, count: input.statements.count)
        for (index, session) in sessions.enumerated() {
            guard var link = sessionLinks[index] else { continue }
            // Request indices become HTTP fact indices.
            link.http = link.http.map { input.requests[$0].index }
            link.candidates = link.candidates.map { input.requests[$0].index }.sorted()
            for statement in session.statements { links[statement] = link }
        }
        return links
    }

    /// Owner supports per lane (nil for shared lanes and those that turned out shared).
    static func solveExclusiveLanes(_ lanes: inout [ConnectionLane], _ requests: [AttributionInput.Request]) -> [[Set<Int>]?] {
        var supports = [[Set<Int>]?](repeating: nil, count: lanes.count)
        var certainOn: [Int: Int] = [:]
        for _ in 0..<maximumRounds {
            for i in lanes.indices where !lanes[i].shared {
                let excluded = Set(certainOn.filter { $0.value != i }.keys)
                let runs = lanes[i].runs
                var support = ExclusiveLaneSolver.support(runs, requests: requests, excluded: excluded, nearOnly: true)
                if support.contains(where: \.isEmpty) {
                    support = ExclusiveLaneSolver.support(runs, requests: requests, excluded: [], nearOnly: true)
                }
                if support.contains(where: \.isEmpty) {
                    support = ExclusiveLaneSolver.support(runs, requests: requests, excluded: [], nearOnly: false)
                }
                if support.contains(where: \.isEmpty) {
                    // No reading of this connection as exclusive fits: treat it as shared.
                    lanes[i].shared = true
                    supports[i] = nil
                } else {
                    supports[i] = support
                }
            }
            var places: [Int: [(lane: Int, run: Int)]] = [:]
            var next: [Int: Int] = [:]
            for (i, support) in supports.enumerated() {
                guard let support else { continue }
                for (k, owners) in support.enumerated() {
                    if owners.count == 1, let owner = owners.first, next[owner] == nil { next[owner] = i }
                    for owner in owners where !requests[owner].requiredNames.isEmpty { places[owner, default: []].append((i, k)) }
                }
            }
            // A request that must have issued SQL and fits one run only owns it.
            for (owner, at) in places where at.count == 1 && next[owner] == nil {
                supports[at[0].lane]?[at[0].run] = [owner]
                next[owner] = at[0].lane
            }
            if next == certainOn { break }
            certainOn = next
        }
        return supports
    }

    /// A request whose SQL always names something (see `AttributionInput.Request.requiredNames`)
    /// cannot own a stretch of runs none of which names it.
    static func dropRequestsMissingTheirNames(_ runs: inout [ConnectionLane.Run], _ requests: [AttributionInput.Request]) {
        let demanding = Set(runs.flatMap { $0.candidates.filter { !requests[$0].requiredNames.isEmpty } })
        for r in demanding {
            var k = 0
            while k < runs.count {
                guard runs[k].candidates.contains(r) else { k += 1; continue }
                var stretch = k
                var named = false
                while stretch < runs.count, runs[stretch].candidates.contains(r) {
                    if requests[r].requiredNames.contains(where: runs[stretch].names.contains) { named = true }
                    stretch += 1
                }
                if !named { for j in k..<stretch { runs[j].candidates.remove(r) } }
                k = stretch
            }
        }
    }

    static func runLink(_ owners: Set<Int>, _ costs: [(cost: Int64, request: Int)]) -> SQLAttributionLink {
        if owners.count == 1, let owner = owners.first { return .certain(owner) }
        if let best = costs.first, costs.count == 1 || costs[1].cost - best.cost >= likelyMargin { return .likely(best.request) }
        return .ambiguous(Array(owners))
    }

    /// A session judged alone: its only candidate, else ambiguous.
    static func standaloneLink(_ candidates: [Int]) -> SQLAttributionLink? {
        guard !candidates.isEmpty else { return nil }
        return candidates.count == 1 ? .certain(candidates[0]) : .ambiguous(candidates)
    }
}
