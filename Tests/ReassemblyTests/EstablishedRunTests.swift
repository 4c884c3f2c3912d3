import CaptureIO
import PacketDecoding
import TestSupport
import Testing
@testable import Reassembly

/// A connection's established segments over a stretch, summed up as an `EstablishedRun` and
/// taken at once (`TCPReassembler.admits`, `admitsRuns`, `absorb`, `tick`: `info`'s ranges),
/// must leave the reassembler exactly where taking them one by one leaves it: the same
/// connections opened and closed, followed or counted, the same bytes and gaps delivered, the
/// same stream positions, acknowledgements, last-seen times and counters. Random interleaved
/// conversations, cut into random stretches, go both ways; they hold what a run must turn
/// away (SYNs, FINs, resets, holes, acknowledgements of bytes not seen, snap-length cuts,
/// keep-alives, acknowledgements going back), followed and unfollowed connections, and silences
/// long enough for the sweeps, the idle and half-open timeouts and a small memory budget to act.
@Suite struct EstablishedRunTests {
    struct Sent {
        var source, destination: Endpoint
        var seq, ack: UInt32
        var flags: TCPFlags
        var payload: [UInt8]
        var captured: Int
        var window: UInt16
        var time: Int64

        func withSegment<T>(_ body: (TCPSegment) -> T) -> T {
            Array(payload.prefix(captured)).withUnsafeBytes { bytes in
                body(TCPSegment(source: source, destination: destination, sequenceNumber: seq, acknowledgementNumber: ack,
                                flags: flags, window: window, payload: bytes, payloadLength: payload.count))
            }
        }
    }

    /// A reassembler following the connections from client port 40000 and counting the rest
    /// (as `info` counts every connection, following none).
    final class Side {
        var streams: [FollowedStream] = []
        var counted: [Int] = []
        var reassembler: TCPReassembler!

        init(_ configuration: TCPReassembler.Configuration) {
            reassembler = TCPReassembler(configuration: configuration) { [unowned self] info, _, _ in
                guard info.client.port == 40000 else {
                    counted.append(info.index)
                    return nil
                }
                let stream = FollowedStream(connection: info)
                streams.append(stream)
                return stream
            }
        }
    }

    static func configuration(_ variant: Int) -> TCPReassembler.Configuration {
        var configuration = TCPReassembler.Configuration()
        switch variant {
        case 1:   // the default timeouts, and silences of seconds to minutes (`conversation`)
            break
        case 3:   // nanosecond timeouts: the half-open one and the closed 4-tuples' memory act on
                  // every short silence (the sweeps' interval stays a second)
            configuration.idleTimeoutNanoseconds = 60
            configuration.halfOpenTimeoutNanoseconds = 25
            configuration.closedConnectionMemoryNanoseconds = 40
        case 2:   // a budget a few connections fill
            configuration.memoryBudgetBytes = 3 << 10
            configuration.maxBufferedBytesTotal = 1000
            configuration.maxBufferedBytesPerConnection = 800
        default:
            break
        }
        return configuration
    }

    /// Up to five connections on two client ports (so 4-tuples are reused), interleaved.
    static func conversation(seed: UInt64, variant: Int) -> [Sent] {
        var random = SplitMix64(seed: seed)
        struct Party {
            var endpoint: Endpoint
            var isn: UInt32
            var sent = 0
            var received = 0
        }
        struct Connection {
            var client, server: Party
            var steps: Int
        }
        var sent: [Sent] = []
        var time: Int64 = 0
        // Nanoseconds, or in the timeouts' configuration milliseconds to minutes: the sweeps
        // (every 75 s), the half-open timeout (30 s), the closed 4-tuples' memory (120 s) and the
        // idle timeout (600 s) all act, between runs and inside their stretches.
        let second: Int64 = 1_000_000_000
        let silences: [Int64] = variant == 1
            ? Array(repeating: 0, count: 24) + [1_000_000, 2_000_000, 3 * second, 3 * second, 20 * second, 20 * second,
                                                 40 * second, 100 * second, 130 * second, 700 * second]
            : variant == 3 ? [0, 0, 0, 1, 2, 3, 30, 70, 200] : [0, 0, 0, 1, 2, 3]
        func open(_ port: UInt16, handshake: Bool) -> Connection {
            let client = Party(endpoint: Endpoint(address: testClient.address, port: port), isn: UInt32.random(in: 0...UInt32.max, using: &random))
            let server = Party(endpoint: testServer, isn: UInt32.random(in: 0...UInt32.max, using: &random))
            if handshake {
                time += 1
                sent.append(Sent(source: client.endpoint, destination: server.endpoint, seq: client.isn, ack: 0, flags: .syn,
                                 payload: [], captured: 0, window: 65535, time: time))
                if Int.random(in: 0..<5, using: &random) != 0 {
                    time += 1
                    sent.append(Sent(source: server.endpoint, destination: client.endpoint, seq: server.isn, ack: client.isn &+ 1,
                                     flags: [.syn, .ack], payload: [], captured: 0, window: 65535, time: time))
                }
            }
            return Connection(client: client, server: server, steps: Int.random(in: 10...120, using: &random))
        }
        var live: [Connection] = []
        var ports: [UInt16] = [40000, 40001, 40002, 40003, 40005]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            if let port = ports.popLast() { live.append(open(port, handshake: Int.random(in: 0..<4, using: &random) != 0)) }
        }
        while !live.isEmpty {
            let pick = Int.random(in: 0..<live.count, using: &random)
            var connection = live[pick]
            let fromClient = Bool.random(using: &random)
            var (me, peer) = fromClient ? (connection.client, connection.server) : (connection.server, connection.client)
            let count = [0, 0, 0, 1, 7, 100, 1460].randomElement(using: &random) ?? 0
            var seq = me.isn &+ 1 &+ UInt32(truncatingIfNeeded: me.sent)
            var ack = peer.isn &+ 1 &+ UInt32(truncatingIfNeeded: me.received)
            var flags: TCPFlags = .ack
            var captured = count
            var window: UInt16 = 65535
            var ends = false
            // Mostly what a run sums up; now and then what it must not.
            switch Int.random(in: 0..<60, using: &random) {
            case 0: seq = seq &- 1
            case 1: seq = seq &+ UInt32(Int.random(in: 1...3000, using: &random))
            case 2: ack = ack &+ UInt32(Int.random(in: 1...2000, using: &random))
            case 3: ack = ack &- UInt32(Int.random(in: 1...2000, using: &random))
            case 4: captured = Int.random(in: 0...count, using: &random)
            case 5: window = 0
            case 6: flags = [.ack, .psh]
            case 7: flags = []
            case 8: flags = [.ack, .fin]
            case 9 where connection.steps < 20: flags = [.ack, .rst]; ends = true
            case 10: flags = [.ack, .urg]
            default: break
            }
            time += silences.randomElement(using: &random) ?? 0
            sent.append(Sent(source: me.endpoint, destination: peer.endpoint, seq: seq, ack: ack, flags: flags,
                             payload: random.bytes(count), captured: captured, window: window, time: time))
            if seq == me.isn &+ 1 &+ UInt32(truncatingIfNeeded: me.sent) && Int.random(in: 0..<12, using: &random) != 0 {
                me.sent += count
                peer.received += count
            } else if Bool.random(using: &random) {
                me.sent += count   // lost on the way, or a retransmission the peer never saw
            }
            if fromClient { (connection.client, connection.server) = (me, peer) } else { (connection.server, connection.client) = (me, peer) }
            connection.steps -= 1
            if ends || connection.steps <= 0 {
                if !ends {   // a close both ways
                    for (a, b) in [(connection.client, connection.server), (connection.server, connection.client)] {
                        time += 1
                        sent.append(Sent(source: a.endpoint, destination: b.endpoint, seq: a.isn &+ 1 &+ UInt32(truncatingIfNeeded: a.sent),
                                         ack: b.isn &+ 1 &+ UInt32(truncatingIfNeeded: a.received), flags: [.ack, .fin],
                                         payload: [], captured: 0, window: 65535, time: time))
                    }
                }
                let port = connection.client.endpoint.port
                live.remove(at: pick)
                // The 4-tuple again, now and then.
                if Int.random(in: 0..<3, using: &random) == 0 { live.append(open(port, handshake: Bool.random(using: &random))) }
            } else {
                live[pick] = connection
            }
        }
        return sent
    }

    /// Feeds `stretch` the way `SurveyedRange.replay` does.
    static func feedAsRuns(_ stretch: ArraySlice<Sent>, into reassembler: TCPReassembler) -> Int {
        var runs: [ConnectionKey: EstablishedRun] = [:]
        var latest = Int64.min
        for sent in stretch {
            let key = ConnectionKey(sent.source, sent.destination)
            runs[key, default: EstablishedRun()].add(
                fromUpper: sent.source != key.lower, sequence: sent.seq, acknowledgement: sent.ack, flags: sent.flags.rawValue,
                window: sent.window, captured: sent.captured, length: sent.payload.count)
            latest = max(latest, sent.time)
        }
        var admitted: Set<ConnectionKey> = []
        var absorbedSegments = 0
        for (key, run) in runs where reassembler.admits(run, key: key, latest: Timestamp(nanoseconds: latest)) {
            admitted.insert(key)
            absorbedSegments += run.packets
        }
        if absorbedSegments == 0 || !reassembler.admitsRuns(otherSegments: stretch.count - absorbedSegments) { admitted = [] }
        var absorbed: [ConnectionKey: TCPReassembler.AbsorbedConnection] = [:]
        for key in admitted {
            if let run = runs[key] { absorbed[key] = reassembler.absorb(run, key: key) }
        }
        for sent in stretch {
            if let connection = absorbed[ConnectionKey(sent.source, sent.destination)] {
                reassembler.tick(at: Timestamp(nanoseconds: sent.time), seenOn: connection)
            } else {
                sent.withSegment { reassembler.process($0, at: Timestamp(nanoseconds: sent.time)) }
            }
        }
        return absorbed.count
    }

    /// Everything a later segment could find different, connection by connection.
    static func state(_ reassembler: TCPReassembler) -> [String] {
        func half(_ h: TCPHalfStream) -> String {
            "\(h.isStarted) \(h.nextSequence) \(h.position) \(String(describing: h.finSequence)) \(h.isFinished) "
                + "\(h.pending.count) \(h.bufferedCost) \(h.hasPeerAcknowledgement) \(h.peerAcknowledgement) \(String(describing: h.baseSequence))"
        }
        return reassembler.table.map { key, entry in
            switch entry {
            case .open(let c):
                return "\(key) open \(c.info.index) \(c.lastSeen.nanoseconds) \(c.statistics) \(c.isHalfOpen) \(c.sawFIN) "
                    + "\(c.wasFollowed) | \(half(c.client)) | \(half(c.server))"
            case .closed(let c):
                return "\(key) closed \(c.index) \(c.closedAt.nanoseconds) \(c.lastSeen.nanoseconds) \(c.closedByIdleTimeout)"
            }
        }.sorted()
    }

    @Test(arguments: 0..<400)
    func runsTakenAtOnceLeaveTheReassemblerAsOneByOne(seed: Int) {
        for variant in 0..<4 { _ = Self.check(seed: seed, variant: variant) }
    }

    /// The comparison above checks something only where runs were taken: most conversations
    /// have some, in each configuration (the small budget leaves little room for them:
    /// `admitsRuns` refuses a stretch where the budget could act).
    @Test func runsAreTakenInEveryConfiguration() {
        for (variant, least) in [(0, 20), (1, 15), (2, 1), (3, 3)] {
            let withRuns = (0..<30).filter { Self.check(seed: $0, variant: variant) > 0 }.count
            #expect(withRuns >= least, "configuration \(variant): runs taken in \(withRuns) of 30 conversations")
        }
    }

    /// Both ways over one conversation; returns the runs absorbed.
    static func check(seed: Int, variant: Int) -> Int {
        let sent = conversation(seed: UInt64(seed), variant: variant)
        let one = Side(configuration(variant)), runs = Side(configuration(variant))
        var random = SplitMix64(seed: UInt64(seed) &+ 0x5EED)
        var start = 0
        var absorbed = 0
        while start < sent.count {
            let end = min(sent.count, start + Int.random(in: 1...40, using: &random))
            for item in sent[start..<end] {
                item.withSegment { one.reassembler.process($0, at: Timestamp(nanoseconds: item.time)) }
            }
            absorbed += feedAsRuns(sent[start..<end], into: runs.reassembler)
            #expect(state(one.reassembler) == state(runs.reassembler), "seed \(seed), configuration \(variant): after segment \(end)")
            start = end
        }
        let last = Timestamp(nanoseconds: (sent.last?.time ?? 0) + 1)
        one.reassembler.finish(at: last)
        runs.reassembler.finish(at: last)
        #expect(one.counted == runs.counted, "seed \(seed), configuration \(variant): connections counted")
        #expect(one.streams.count == runs.streams.count, "seed \(seed), configuration \(variant): connections followed")
        for (a, b) in zip(one.streams, runs.streams) {
            #expect(a.connection.index == b.connection.index && a.events == b.events && a.statistics == b.statistics,
                    "seed \(seed), configuration \(variant): connection \(a.connection.index)")
        }
        #expect(one.reassembler.totals == runs.reassembler.totals, "seed \(seed), configuration \(variant): totals")
        #expect(one.reassembler.shedding == runs.reassembler.shedding, "seed \(seed), configuration \(variant): shedding")
        #expect(Self.state(one.reassembler) == Self.state(runs.reassembler), "seed \(seed), configuration \(variant): at the end")
        return absorbed
    }
}
