/// Owners of the runs of an exclusive connection (see `ConnectionLane`).
///
/// Reading a connection's runs in order, each has one owner; the owner changes only where the old
/// owner ended between two runs (its response went out, the worker took the next request), and a
/// request's last session ends shortly before its response: within `closeWithin` (50 ms; the test
/// bed's slowest was 43 ms). That is a chain of choices with a constraint between neighbours, so
/// the owners any consistent reading allows are found exactly by one pass each way (`support`).
/// Where several remain, `costs` ranks them by how tightly the responses follow the runs.
enum ExclusiveLaneSolver {
    typealias Run = ConnectionLane.Run

    static let closeWithin: Int64 = 50_000_000
    /// A reading whose response follows the run later than `closeWithin` costs this much more.
    static let lateClosePenalty: Int64 = 1_000_000_000

    /// Whether `request` can be the owner of run `k` whose response ends before run `k + 1` begins.
    static func closes(_ request: AttributionInput.Request, after k: Int, _ runs: [Run], nearOnly: Bool) -> Bool {
        let nextStart = k + 1 < runs.count ? runs[k + 1].start : Int64.max
        guard request.end >= runs[k].end, request.end <= nextStart else { return false }
        return !nearOnly || request.end - runs[k].end <= closeWithin
    }

    /// Per run, the owners some consistent reading of the whole connection gives it; an empty set
    /// means no reading is consistent (then the caller relaxes `nearOnly` or the exclusions).
    static func support(_ runs: [Run], requests: [AttributionInput.Request], excluded: Set<Int>, nearOnly: Bool) -> [Set<Int>] {
        let count = runs.count
        guard count > 0 else { return [] }
        let candidates = runs.map { $0.candidates.subtracting(excluded) }
        var forward = [Set<Int>](repeating: [], count: count)
        forward[0] = candidates[0]
        for k in 0..<(count - 1) {
            var next = forward[k].intersection(candidates[k + 1])
            if forward[k].contains(where: { closes(requests[$0], after: k, runs, nearOnly: nearOnly) }) {
                next.formUnion(candidates[k + 1])
            }
            forward[k + 1] = next
        }
        var backward = [Set<Int>](repeating: [], count: count)
        backward[count - 1] = candidates[count - 1]
        for k in stride(from: count - 2, through: 0, by: -1) {
            let later = backward[k + 1]
            backward[k] = candidates[k].filter { r in
                (candidates[k + 1].contains(r) && later.contains(r))
                    || (!later.isEmpty && closes(requests[r], after: k, runs, nearOnly: nearOnly))
            }
        }
        return (0..<count).map { forward[$0].intersection(backward[$0]) }
    }

    /// Per run, the owners `allowed` permits, cheapest first, with the least cost of a reading
    /// that gives the run to them: each closing adds its lateness less `closeWithin`.
    static func costs(_ runs: [Run], requests: [AttributionInput.Request], allowed: [Set<Int>]) -> [[(cost: Int64, request: Int)]] {
        let count = runs.count
        guard count > 0 else { return [] }
        func closing(_ r: Int, _ k: Int) -> Int64? {
            guard closes(requests[r], after: k, runs, nearOnly: false) else { return nil }
            // A tight closing is evidence for the reading (a response that follows a run by a few
            // milliseconds rarely does so by chance), so it lowers the cost; a late one raises it.
            let late = requests[r].end - runs[k].end
            return late <= closeWithin ? late - closeWithin : lateClosePenalty + late
        }
        // Forward: least cost of the runs before k, given k's owner (its own closing not counted).
        var forward = [[Int: Int64]](repeating: [:], count: count)
        for r in allowed[0] { forward[0][r] = 0 }
        for k in 0..<(count - 1) {
            let closings = forward[k].compactMap { r, cost in closing(r, k).map { (cost + $0, r) } }.sorted { $0 < $1 }
            for r in allowed[k + 1] {
                var best = forward[k][r] ?? Int64.max
                if let change = closings.first(where: { $0.1 != r }) { best = min(best, change.0) }
                if best < Int64.max { forward[k + 1][r] = best }
            }
        }
        // Backward: least cost of the runs from k on, given k's owner (its closing counted).
        var backward = [[Int: Int64]](repeating: [:], count: count)
        for r in allowed[count - 1] { if let c = closing(r, count - 1) { backward[count - 1][r] = c } }
        for k in stride(from: count - 2, through: 0, by: -1) {
            let later = backward[k + 1].map { ($0.value, $0.key) }.sorted { $0 < $1 }
            for r in allowed[k] {
                var best = backward[k + 1][r] ?? Int64.max
                if let close = closing(r, k), let change = later.first(where: { $0.1 != r }) { best = min(best, close + change.0) }
                if best < Int64.max { backward[k][r] = best }
            }
        }
        return (0..<count).map { k in
            forward[k].compactMap { r, cost in backward[k][r].map { (cost: cost + $0, request: r) } }
                .sorted { ($0.cost, $0.request) < ($1.cost, $1.request) }
        }
    }
}
