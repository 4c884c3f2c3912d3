/// Finds MySQL connections relayed by a proxy in TCP mode (haproxy `mode tcp` in front of
/// MariaDB/Galera): the proxy sends the client's bytes on over a connection of its own, so the
/// same commands, with the same results, appear on two connections, the server-side one slightly
/// later. It links each command of the client-side leg to its twin nearer the server.
///
/// Connections are paired first (a TCP relay pairs whole connections), then their commands:
/// - candidates: connections to different servers whose lifetimes overlap, with the same MySQL
///   thread id when both handshakes were captured (the proxy relays the server's greeting);
/// - command sequences compared in order: the twin of a command on the client side starts after
///   it (but for the login, which the server's greeting starts) and ends before it ends (no later
///   than `clockTolerance`), and has the same key (command, text and result); a command either
///   side has no twin for, while both connections were captured, counts against the pair;
/// - pairs that agree (at least one twin with the same thread id, else three; at most one miss in
///   ten) are settled like HTTP legs:
///   only pairings every consistent explanation shares are made (`ForcedMatching`).
package enum SQLLegJoiner {
    /// One MySQL connection.
    package struct Connection: Sendable, Hashable {
        package var id: Int
        package var client: LegAddress?
        package var server: LegAddress?
        /// The server's thread id from the handshake, when captured.
        package var threadID: Int?
        /// First command start and last command end, nanoseconds.
        package var first: Int64
        package var last: Int64
        package init(id: Int, client: LegAddress?, server: LegAddress?, threadID: Int?, first: Int64, last: Int64) {
            self.id = id
            self.client = client
            self.server = server
            self.threadID = threadID
            self.first = first
            self.last = last
        }
    }

    /// One command and its response.
    package struct Command: Sendable, Hashable {
        /// The caller's index of the command (its position in the `sql` array).
        package var index: Int
        package var connection: Int
        package var start: Int64
        package var end: Int64
        /// Equal for commands with the same command, statement text and result.
        package var key: Int
        /// The server speaks first (the login: its greeting starts the record), so the server-side
        /// leg starts before the client-side one; only the ends keep the relay's order.
        package var serverFirst: Bool
        package init(index: Int, connection: Int, start: Int64, end: Int64, key: Int, serverFirst: Bool = false) {
            self.index = index
            self.connection = connection
            self.start = start
            self.end = end
            self.key = key
            self.serverFirst = serverFirst
        }
    }

    package struct Configuration: Sendable {
        package var clockTolerance: Int64 = 0
        /// Twins a pair needs when the thread ids do not vouch for it (greetings not captured).
        package var twinsWithoutThreadID = 3
        package init() {}
    }

    /// Pairs of connections (client side, server side, in either order) worth comparing: the
    /// only connections whose commands `join` needs.
    package static func candidatePairs(_ connections: [Connection]) -> [(Int, Int)] {
        let sorted = connections.sorted { ($0.first, $0.id) < ($1.first, $1.id) }
        var pairs: [(Int, Int)] = []
        for (i, a) in sorted.enumerated() {
            for b in sorted[(i + 1)...] {
                if b.first > a.last { break }
                if let x = a.server, let y = b.server, x == y { continue }
                if let x = a.threadID, let y = b.threadID, x != y { continue }
                pairs.append((a.id, b.id))
            }
        }
        return pairs
    }

    /// For each command index of a client-side leg, the index of its twin one hop nearer the server.
    /// `commands` holds the commands of the candidate pairs' connections (any order).
    package static func join(connections: [Connection], commands: [Command],
                            configuration: Configuration = Configuration()) -> [Int: Int] {
        let pairs = candidatePairs(connections)
        guard !pairs.isEmpty else { return [:] }
        var threadOf: [Int: Int] = [:]
        for connection in connections { threadOf[connection.id] = connection.threadID }
        var byConnection: [Int: [Command]] = [:]
        for command in commands { byConnection[command.connection, default: []].append(command) }
        for key in Array(byConnection.keys) { byConnection[key]?.sort { ($0.start, $0.index) < ($1.start, $1.index) } }

        var twins: [Pair: [(Int, Int)]] = [:]
        var links: [(front: Int, back: Int)] = []
        for (a, b) in pairs {
            let x = byConnection[a] ?? [], y = byConnection[b] ?? []
            guard !x.isEmpty, !y.isEmpty else { continue }
            // The client side is the one whose first twin starts first: try both, keep what agrees.
            // Without the handshakes' thread ids, a few pings nested by chance in pings to another
            // server must not pair two connections: ask for a run of twins.
            let sameSession = threadOf[a] != nil && threadOf[a] == threadOf[b]
            for (front, back, frontID, backID) in [(x, y, a, b), (y, x, b, a)] {
                if let found = align(front: front, back: back, tolerance: configuration.clockTolerance),
                   sameSession || found.count >= configuration.twinsWithoutThreadID {
                    twins[Pair(front: frontID, back: backID)] = found
                    links.append((frontID, backID))
                    break
                }
            }
        }
        var result: [Int: Int] = [:]
        for link in ForcedMatching.forced(links) {
            for (front, back) in twins[Pair(front: link.front, back: link.back)] ?? [] { result[front] = back }
        }
        return result
    }

    struct Pair: Hashable {
        var front: Int
        var back: Int
    }

    /// The twins (front index, back index) when `back` relays `front` command for command; nil
    /// when the two disagree.
    static func align(front: [Command], back: [Command], tolerance: Int64) -> [(Int, Int)]? {
        guard let frontFirst = front.first?.start, let backFirst = back.first?.start,
              let frontLast = front.map(\.end).max(), let backLast = back.map(\.end).max() else { return nil }
        // Commands either leg may lack through no fault of the pairing: those at the capture's edges.
        let window = max(frontFirst, backFirst)...min(frontLast, backLast)
        func counts(_ c: Command) -> Bool { window.contains(c.start) && window.contains(c.end) }
        var twins: [(Int, Int)] = []
        var misses = 0
        var i = 0, j = 0
        while i < front.count && j < back.count {
            // Hopeless: stop reading two unrelated connections early.
            if misses > 8 && misses * 10 > twins.count { return nil }
            let f = front[i], b = back[j]
            if b.key == f.key && (b.start >= f.start || (b.serverFirst && f.serverFirst)) && b.end <= f.end &+ tolerance {
                twins.append((f.index, b.index))
                i += 1
                j += 1
            } else if b.start < f.start {
                if counts(b) { misses += 1 }
                j += 1
            } else if b.start <= f.end {
                // Sent while f was in progress, yet not f: the back leg carries something else.
                misses += 1
                j += 1
            } else {
                if counts(f) { misses += 1 }
                i += 1
            }
        }
        misses += front[i...].filter(counts).count + back[j...].filter(counts).count
        guard !twins.isEmpty, misses * 10 <= twins.count else { return nil }
        return twins
    }
}
