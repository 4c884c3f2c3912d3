/// When and where one leg ran: what settling candidate links needs to know of it.
package struct LegSpan: Sendable, Hashable {
    package var start: Int64
    package var end: Int64
    package var connection: Int
    /// No answer, or a 5xx: an attempt a proxy may retry.
    package var failed: Bool
    package init(start: Int64, end: Int64, connection: Int, failed: Bool = false) {
        self.start = start
        self.end = end
        self.connection = connection
        self.failed = failed
    }
}

/// Turns candidate (front, back) links into the links to make, in three steps:
///
/// 1. the links every maximum pairing shares (`ForcedMatching`);
/// 2. connection affinity, for what step 1 left: a proxy keeps a client's connection and its
///    server connection together for the requests that follow (haproxy's `http-reuse safe`), so a
///    candidate whose front connection is already paired with other back connections only, and
///    whose back connection with other front connections only, is dropped, and step 1 runs again
///    on the rest;
/// 3. retries: legs whose one possible front is the same, one after the other without overlap,
///    every one but the last failed (no answer, or 5xx), are attempts of that front's request
///    (haproxy's `retry-on`), and all join it.
struct LegLinkSettlement {
    var candidates: [(front: Int, back: Int)]
    var spans: [LegSpan]

    func settle(count: Int) -> (frontOf: [Int?], ambiguous: [Int]) {
        var frontOf = [Int?](repeating: nil, count: count)
        var backsOf: [Int: [Int]] = [:]
        func link(_ front: Int, _ back: Int) {
            frontOf[back] = front
            backsOf[front, default: []].append(back)
        }
        for l in ForcedMatching.forced(candidates) { link(l.front, l.back) }

        var open = candidates.filter { frontOf[$0.back] == nil && backsOf[$0.front] == nil }
        if !open.isEmpty {
            var pairedBacks: [Int: Set<Int>] = [:], pairedFronts: [Int: Set<Int>] = [:]
            for (back, front) in frontOf.enumerated() {
                guard let front else { continue }
                pairedBacks[spans[front].connection, default: []].insert(spans[back].connection)
                pairedFronts[spans[back].connection, default: []].insert(spans[front].connection)
            }
            open.removeAll { c in
                let f = spans[c.front].connection, b = spans[c.back].connection
                guard let backs = pairedBacks[f], let fronts = pairedFronts[b] else { return false }
                return !backs.contains(b) && !fronts.contains(f)
            }
            // Only components where affinity removed something can have changed.
            for l in ForcedMatching.forced(open) where frontOf[l.back] == nil && backsOf[l.front] == nil { link(l.front, l.back) }
        }

        var frontsOfBack: [Int: [Int]] = [:]
        for c in candidates { frontsOfBack[c.back, default: []].append(c.front) }
        var attempts: [Int: [Int]] = [:]
        for (back, fronts) in frontsOfBack where frontOf[back] == nil && backsOf[back] == nil && Set(fronts).count == 1 {
            attempts[fronts[0], default: []].append(back)
        }
        for (front, extra) in attempts.sorted(by: { $0.key < $1.key }) {
            let all = (backsOf[front, default: []] + extra).sorted { spans[$0].start < spans[$1].start }
            let inTurn = zip(all, all.dropFirst()).allSatisfy { spans[$0].end < spans[$1].start && spans[$0].failed }
            if inTurn { for back in extra.sorted() { link(front, back) } }
        }
        let ambiguous = frontsOfBack.keys.filter { frontOf[$0] == nil && backsOf[$0] == nil }.sorted()
        return (frontOf, ambiguous)
    }
}
