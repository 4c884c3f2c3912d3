import LegJoining
import Testing

/// Connections and commands as facts (times in microseconds): services -> haproxy 13306 (TCP mode)
/// -> MariaDB 3306, as the test bed's s-mysql-proxy scenario records them.
@Suite struct SQLLegJoinerTests {
    typealias Connection = SQLLegJoiner.Connection
    typealias Command = SQLLegJoiner.Command

    static func connection(_ id: Int, _ client: String, _ server: String, thread: Int?, _ commands: [Command]) -> Connection {
        Connection(id: id, client: LegAddress(endpoint: client), server: LegAddress(endpoint: server), threadID: thread,
                   first: commands.map(\.start).min() ?? 0, last: commands.map(\.end).max() ?? 0)
    }

    /// Commands `keys` on `connection`, from `start`, each 100 us, 1 ms apart; `delay` shifts the
    /// start and shortens the command, as the server side of a relay sees it.
    static func commands(_ connection: Int, indices: Range<Int>, keys: [Int], start: Int64, delay: Int64 = 0) -> [Command] {
        zip(indices, keys).enumerated().map { n, item in
            let begin = (start + Int64(n) * 1000 + delay) * 1000
            return Command(index: item.0, connection: connection, start: begin, end: begin + (100 - 2 * delay) * 1000, key: item.1)
        }
    }

    /// One relayed session's legs: the service to haproxy (13306) carrying `front`, haproxy to
    /// MariaDB (3306) carrying `back`, with the thread ids each login's greeting gave (nil: not captured).
    static func relay(_ front: [Command], _ back: [Command], threads: (Int?, Int?) = (nil, nil)) -> [Connection] {
        [connection(1, "10.0.0.5:40000", "10.0.0.10:13306", thread: threads.0, front),
         connection(2, "10.0.0.10:50000", "10.0.0.20:3306", thread: threads.1, back)]
    }

    /// The links the joiner makes between the two legs of `relay(front, back, threads:)`.
    static func join(_ front: [Command], _ back: [Command], threads: (Int?, Int?) = (nil, nil)) -> [Int: Int] {
        SQLLegJoiner.join(connections: relay(front, back, threads: threads), commands: front + back)
    }

    @Test func aRelayedConnectionLinksEveryCommandToItsServerSideTwin() {
        let keys = [1, 2, 3, 2, 4]
        let front = Self.commands(1, indices: 0..<5, keys: keys, start: 0)
        let back = Self.commands(2, indices: 5..<10, keys: keys, start: 0, delay: 20)
        #expect(Self.join(front, back, threads: (42, 42)) == [0: 5, 1: 6, 2: 7, 3: 8, 4: 9])
    }

    @Test func theLoginStartsWithTheServersGreeting() {
        // The greeting reaches the proxy before the client: the server side's login starts first.
        var front = Self.commands(1, indices: 0..<3, keys: [1, 2, 3], start: 0)
        var back = Self.commands(2, indices: 3..<6, keys: [1, 2, 3], start: 0, delay: 20)
        front[0].serverFirst = true
        back[0].serverFirst = true
        back[0].start = front[0].start - 30_000
        #expect(Self.join(front, back, threads: (9, 9)) == [0: 3, 1: 4, 2: 5])
        // Read as an ordinary command, the login has no twin: one miss in three, no pairing.
        back[0].serverFirst = false
        front[0].serverFirst = false
        #expect(Self.join(front, back, threads: (9, 9)).isEmpty)
    }

    @Test func oneLegAloneChangesNothing() {
        let only = Self.commands(1, indices: 0..<3, keys: [1, 2, 3], start: 0)
        let other = Self.commands(2, indices: 3..<6, keys: [1, 2, 3], start: 0, delay: 20)
        // Same server: two pool connections, not a relay.
        let connections = [Self.connection(1, "10.0.0.5:40000", "10.0.0.20:3306", thread: 7, only),
                           Self.connection(2, "10.0.0.5:40002", "10.0.0.20:3306", thread: 8, other)]
        #expect(SQLLegJoiner.candidatePairs(connections).isEmpty)
        #expect(SQLLegJoiner.join(connections: connections, commands: only + other).isEmpty)
    }

    @Test func differentThreadIDsAreDifferentSessions() {
        let front = Self.commands(1, indices: 0..<3, keys: [1, 2, 3], start: 0)
        let back = Self.commands(2, indices: 3..<6, keys: [1, 2, 3], start: 0, delay: 20)
        #expect(Self.join(front, back, threads: (7, 8)).isEmpty)
    }

    @Test func sequencesThatDisagreeAreNotARelay() {
        let front = Self.commands(1, indices: 0..<6, keys: [1, 2, 3, 4, 5, 6], start: 0)
        let back = Self.commands(2, indices: 6..<12, keys: [1, 9, 3, 9, 5, 9], start: 0, delay: 20)
        #expect(Self.join(front, back).isEmpty)
    }

    /// Two pool connections through the proxy send the same pings at the same moments, their
    /// greetings not captured: both pairings fit, so neither is made; once one of them runs a
    /// statement of its own, the pairing is certain.
    @Test func lookAlikeConnectionsPairOnlyOnEvidence() {
        let pings = [1, 1, 1]
        let frontA = Self.commands(1, indices: 0..<3, keys: pings, start: 0)
        let frontB = Self.commands(2, indices: 3..<6, keys: pings, start: 0)
        let backA = Self.commands(3, indices: 6..<9, keys: pings, start: 0, delay: 20)
        let backB = Self.commands(4, indices: 9..<12, keys: pings, start: 0, delay: 21)
        func connections(_ a: [Command], _ b: [Command], _ c: [Command], _ d: [Command]) -> [Connection] {
            [Self.connection(1, "10.0.0.5:40000", "10.0.0.10:13306", thread: nil, a),
             Self.connection(2, "10.0.0.5:40002", "10.0.0.10:13306", thread: nil, b),
             Self.connection(3, "10.0.0.10:50000", "10.0.0.20:3306", thread: nil, c),
             Self.connection(4, "10.0.0.10:50002", "10.0.0.20:3306", thread: nil, d)]
        }
        #expect(SQLLegJoiner.join(connections: connections(frontA, frontB, backA, backB),
                                  commands: frontA + frontB + backA + backB).isEmpty)
        let distinct = [1, 5, 1]
        let frontA2 = Self.commands(1, indices: 0..<3, keys: distinct, start: 0)
        let backA2 = Self.commands(3, indices: 6..<9, keys: distinct, start: 0, delay: 20)
        let links = SQLLegJoiner.join(connections: connections(frontA2, frontB, backA2, backB),
                                      commands: frontA2 + frontB + backA2 + backB)
        #expect(links == [0: 6, 1: 7, 2: 8, 3: 9, 4: 10, 5: 11])
    }

    @Test func withoutThreadIDsAFewChanceTwinsAreNotEnough() {
        let front = Self.commands(1, indices: 0..<2, keys: [1, 1], start: 0)
        let back = Self.commands(2, indices: 2..<4, keys: [1, 1], start: 0, delay: 20)
        let connections = [Self.connection(1, "10.0.0.5:40000", "10.0.0.10:3306", thread: nil, front),
                           Self.connection(2, "10.0.0.6:50000", "10.0.0.20:3306", thread: nil, back)]
        #expect(SQLLegJoiner.join(connections: connections, commands: front + back).isEmpty)
        let withThreads = [Self.connection(1, "10.0.0.5:40000", "10.0.0.10:3306", thread: 5, front),
                           Self.connection(2, "10.0.0.6:50000", "10.0.0.20:3306", thread: 5, back)]
        #expect(SQLLegJoiner.join(connections: withThreads, commands: front + back) == [0: 2, 1: 3])
    }

    @Test func theCaptureEdgesDoNotCount() {
        // The client-side leg's capture began one command late, and the server side's ended one early.
        let keys = [1, 2, 3, 4, 5]
        let front = Self.commands(1, indices: 1..<5, keys: Array(keys.dropFirst()), start: 1000)
        let back = Self.commands(2, indices: 5..<9, keys: Array(keys.dropLast()), start: 0, delay: 20)
        #expect(Self.join(front, back) == [1: 6, 2: 7, 3: 8])
    }
}
