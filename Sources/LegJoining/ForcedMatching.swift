/// The links every consistent explanation agrees on.
///
/// Candidate links form a bipartite graph (fronts on one side, back legs on the other; one
/// exchange can be both, in a chain of proxies). A leg has one front and a front forwards once, so
/// the true links are a matching, and with every leg captured a maximum one. When several maximum
/// matchings exist (two identical requests at the same moment, nothing to tell them apart), only
/// the links present in all of them are certain: those are returned, and the rest stay unjoined.
///
/// A link of a maximum matching M is in every maximum matching exactly when, after taking it out
/// of M, no augmenting path exists without it; such a path must end at one of the link's two
/// ends (any other would have augmented M). That is two searches per link, per component.
package enum ForcedMatching {
    /// A component with more links than this is left unjoined (the searches grow with its square):
    /// thousands of look-alike requests overlapping in one unbroken run is nothing a join can trust.
    package static let componentLinkLimit = 5_000

    /// The links of `links` (front, back) that every maximum matching contains.
    package static func forced(_ links: [(front: Int, back: Int)]) -> [(front: Int, back: Int)] {
        let unique = Array(Set(links.map { Pair(front: $0.front, back: $0.back) })).sorted()
        guard !unique.isEmpty else { return [] }
        var result: [(front: Int, back: Int)] = []
        for component in components(unique) {
            if component.count == 1 {
                result.append((component[0].front, component[0].back))
            } else if component.count <= componentLinkLimit {
                var graph = Graph(component)
                result += graph.forcedLinks()
            }
        }
        return result.sorted { ($0.front, $0.back) < ($1.front, $1.back) }
    }

    struct Pair: Hashable, Comparable {
        var front: Int
        var back: Int
        static func < (a: Pair, b: Pair) -> Bool { (a.front, a.back) < (b.front, b.back) }
    }

    /// Connected components (union-find over fronts and backs, kept apart: an exchange is a
    /// different node as a front and as a back).
    static func components(_ links: [Pair]) -> [[Pair]] {
        var parent: [Int: Int] = [:]
        func find(_ x: Int) -> Int {
            var root = x
            while let p = parent[root], p != root { root = p }
            var node = x
            while let p = parent[node], p != root { parent[node] = root; node = p }
            return root
        }
        // Fronts as 2i, backs as 2i+1.
        for link in links {
            let a = find(2 * link.front), b = find(2 * link.back + 1)
            if parent[a] == nil { parent[a] = a }
            if parent[b] == nil { parent[b] = b }
            if a != b { parent[a] = b }
        }
        var grouped: [Int: [Pair]] = [:]
        for link in links { grouped[find(2 * link.front), default: []].append(link) }
        return grouped.values.sorted { $0[0] < $1[0] }
    }

    /// One component, nodes renumbered from 0 on each side.
    struct Graph {
        var fronts: [Int] = []
        var backs: [Int] = []
        var adjacency: [[Int]] = []
        var matchOfFront: [Int] = []
        var matchOfBack: [Int] = []

        init(_ links: [Pair]) {
            var frontIndex: [Int: Int] = [:], backIndex: [Int: Int] = [:]
            for link in links {
                let f: Int
                if let known = frontIndex[link.front] { f = known } else {
                    f = fronts.count
                    frontIndex[link.front] = f
                    fronts.append(link.front)
                    adjacency.append([])
                }
                let b: Int
                if let known = backIndex[link.back] { b = known } else {
                    b = backs.count
                    backIndex[link.back] = b
                    backs.append(link.back)
                }
                adjacency[f].append(b)
            }
            matchOfFront = Array(repeating: -1, count: fronts.count)
            matchOfBack = Array(repeating: -1, count: backs.count)
        }

        /// Kuhn's augmenting path from front `f`, never along `forbidden` (front, back).
        /// Iterative, so a long chain of look-alikes cannot exhaust the stack.
        mutating func augment(from f: Int, forbidden: (Int, Int)?) -> Bool {
            var visited = Array(repeating: false, count: backs.count)
            // Each frame: a front and the next position in its adjacency list.
            var stack: [(front: Int, next: Int)] = [(f, 0)]
            var path: [Int] = []  // backs chosen along the stack
            while let top = stack.last {
                let neighbours = adjacency[top.front]
                if top.next >= neighbours.count {
                    stack.removeLast()
                    if !path.isEmpty { path.removeLast() }
                    continue
                }
                stack[stack.count - 1].next += 1
                let b = neighbours[top.next]
                if visited[b] { continue }
                if let forbidden, forbidden.0 == top.front, forbidden.1 == b { continue }
                visited[b] = true
                if matchOfBack[b] == -1 {
                    // Flip the path: each front on the stack takes the back chosen after it.
                    path.append(b)
                    for (frame, back) in zip(stack, path) {
                        matchOfFront[frame.front] = back
                        matchOfBack[back] = frame.front
                    }
                    return true
                }
                path.append(b)
                stack.append((matchOfBack[b], 0))
            }
            return false
        }

        mutating func forcedLinks() -> [(front: Int, back: Int)] {
            // A greedy start leaves Kuhn's searches little to do on the usual one-to-one components.
            for f in fronts.indices {
                if let b = adjacency[f].first(where: { matchOfBack[$0] == -1 }) {
                    matchOfFront[f] = b
                    matchOfBack[b] = f
                }
            }
            for f in fronts.indices where matchOfFront[f] == -1 { _ = augment(from: f, forbidden: nil) }
            var backAdjacency = Array(repeating: [Int](), count: backs.count)
            for (f, neighbours) in adjacency.enumerated() { for b in neighbours { backAdjacency[b].append(f) } }
            var forced: [(front: Int, back: Int)] = []
            for f in fronts.indices where matchOfFront[f] >= 0 {
                let b = matchOfFront[f]
                if !freesFrontOrBack(front: f, back: b, backAdjacency: backAdjacency) { forced.append((fronts[f], backs[b])) }
            }
            return forced
        }

        /// With link (f, b) taken out of the matching: is there an alternating path from f to a
        /// free back, or from b back to a free front (f itself counting as free)? Either gives a
        /// maximum matching without the link.
        func freesFrontOrBack(front f: Int, back b: Int, backAdjacency: [[Int]]) -> Bool {
            var seenBacks = Array(repeating: false, count: backs.count)
            var fronts = [f]
            while let u = fronts.popLast() {
                for x in adjacency[u] where !(u == f && x == b) && !seenBacks[x] {
                    seenBacks[x] = true
                    let owner = matchOfBack[x]
                    if owner == -1 { return true }
                    if owner != f { fronts.append(owner) }
                }
            }
            var seenFronts = Array(repeating: false, count: self.fronts.count)
            var backsToVisit = [b]
            while let x = backsToVisit.popLast() {
                for u in backAdjacency[x] where !(u == f && x == b) && !seenFronts[u] {
                    seenFronts[u] = true
                    if u == f || matchOfFront[u] == -1 { return true }
                    backsToVisit.append(matchOfFront[u])
                }
            }
            return false
        }
    }
}
