import CaptureIO
import PacketDecoding
import TestSupport
import Testing
@testable import Reassembly

/// A byte stream cut into random segments, sent in random order with duplicates and
/// overlapping re-cuts, with sequence numbers that wrap: the stream must come out exact.
@Suite struct TCPReassemblerPropertyTests {
    struct Plan {
        var data: [UInt8]
        var isn: UInt32
        /// (offset, count) pieces of `data`, in sending order.
        var pieces: [(Int, Int)]
        var dropped: Int
    }

    static func plan(seed: UInt64, dropSome: Bool, using generator: inout SplitMix64) -> Plan {
        let length = Int.random(in: 0...12_000, using: &generator)
        let data = generator.bytes(length)
        // Half the runs start a few KB before the 32-bit wrap.
        let isn: UInt32 = Bool.random(using: &generator)
            ? UInt32.max &- UInt32.random(in: 0...8_000, using: &generator)
            : UInt32.random(in: 0...UInt32.max, using: &generator)
        var cuts: [(Int, Int)] = []
        var offset = 0
        while offset < length {
            let count = min(Int.random(in: 1...1_500, using: &generator), length - offset)
            cuts.append((offset, count))
            offset += count
        }
        var pieces: [(Int, Int)] = []
        var dropped = 0
        for (index, cut) in cuts.enumerated() {
            // Never drop the last piece: with no FIN/ACK after it a trailing loss is unknowable.
            if dropSome && index < cuts.count - 1 && Int.random(in: 0..<5, using: &generator) == 0 {
                dropped += cut.1
                continue
            }
            pieces.append(cut)
            if Int.random(in: 0..<4, using: &generator) == 0 { pieces.append(cut) }  // duplicate
            if !dropSome, Int.random(in: 0..<4, using: &generator) == 0, length > 0 {
                // An overlapping re-cut of any range (retransmission with different boundaries).
                let start = Int.random(in: 0..<length, using: &generator)
                let count = min(Int.random(in: 1...3_000, using: &generator), length - start)
                pieces.append((start, count))
            }
        }
        pieces.shuffle(using: &generator)
        return Plan(data: data, isn: isn, pieces: pieces, dropped: dropped)
    }

    static func run(_ plan: Plan, serverPlan: Plan, using generator: inout SplitMix64,
                    configuration: TCPReassembler.Configuration = TCPReassembler.Configuration()) -> Harness {
        let harness = Harness(configuration: configuration)
        harness.send(seq: plan.isn, flags: .syn, at: 0)
        harness.send(from: testServer, to: testClient, seq: serverPlan.isn, ack: plan.isn &+ 1, flags: [.syn, .ack], at: 1)
        // Interleave the two directions at random; ACKs are left out so only the flush finds holes.
        var client = plan.pieces[...]
        var server = serverPlan.pieces[...]
        var time: Int64 = 2
        while !client.isEmpty || !server.isEmpty {
            let fromClient = server.isEmpty || (!client.isEmpty && Bool.random(using: &generator))
            let p = fromClient ? plan : serverPlan
            guard let (offset, count) = fromClient ? client.popFirst() : server.popFirst() else { break }
            let seq = p.isn &+ 1 &+ UInt32(offset)
            let bytes = Array(p.data[offset..<offset + count])
            if fromClient {
                harness.send(seq: seq, flags: [], payload: bytes, at: time)
            } else {
                harness.send(from: testServer, to: testClient, seq: seq, flags: [], payload: bytes, at: time)
            }
            time += 1
        }
        harness.send(seq: plan.isn &+ 1 &+ UInt32(plan.data.count), flags: [.fin], at: time)
        harness.send(from: testServer, to: testClient, seq: serverPlan.isn &+ 1 &+ UInt32(serverPlan.data.count),
                     flags: [.fin], at: time + 1)
        harness.reassembler.finish(at: Timestamp(nanoseconds: time + 2))
        return harness
    }

    @Test(arguments: 0..<60)
    func shuffledDuplicatedOverlappingSegmentsReassembleExactly(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed))
        let client = Self.plan(seed: 0, dropSome: false, using: &generator)
        let server = Self.plan(seed: 1, dropSome: false, using: &generator)
        let harness = Self.run(client, serverPlan: server, using: &generator)
        let stream = harness.stream(0)
        if client.data.isEmpty && server.data.isEmpty {
            #expect(stream == nil)
            return
        }
        guard let stream else { Issue.record("no stream"); return }
        #expect(stream.bytes[0] == client.data)
        #expect(stream.bytes[1] == server.data)
        #expect(stream.missing == [0, 0])
        #expect(stream.closeReason == .fin)
        #expect(stream.statistics?.conflictingOverlaps == 0)
        #expect(harness.reassembler.bufferedBytes == 0)
        #expect(harness.reassembler.totals.connections == 1)
    }

    @Test(arguments: 0..<60)
    func droppedSegmentsBecomeGapsOfExactlyTheirSize(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed) &+ 1_000)
        let client = Self.plan(seed: 0, dropSome: true, using: &generator)
        let server = Self.plan(seed: 1, dropSome: true, using: &generator)
        let harness = Self.run(client, serverPlan: server, using: &generator)
        guard let stream = harness.stream(0) else {
            #expect(client.data.count == client.dropped && server.data.count == server.dropped)
            return
        }
        let c = replay(stream, direction: .clientToServer, against: client.data)
        let s = replay(stream, direction: .serverToClient, against: server.data)
        #expect(c.consistent && s.consistent)
        #expect(c.missing == client.dropped)
        #expect(s.missing == server.dropped)
        #expect(c.delivered == client.data.count - client.dropped)
        let totals = harness.reassembler.totals
        #expect(totals.missingBytes == client.dropped + server.dropped)
        #expect(harness.reassembler.bufferedBytes == 0)
    }

    /// With a tiny buffer cap, holes are given up early: the stream still accounts for every
    /// byte exactly once (delivered at its offset, or inside a gap).
    @Test(arguments: 0..<30)
    func bufferCapTurnsHolesIntoGapsWithoutLosingPlace(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed) &+ 2_000)
        let client = Self.plan(seed: 0, dropSome: seed % 2 == 0, using: &generator)
        let server = Self.plan(seed: 1, dropSome: false, using: &generator)
        var configuration = TCPReassembler.Configuration()
        configuration.maxBufferedBytesPerConnection = 3_000
        configuration.maxBufferedBytesTotal = 4_000
        let harness = Self.run(client, serverPlan: server, using: &generator, configuration: configuration)
        guard let stream = harness.stream(0) else { return }
        let c = replay(stream, direction: .clientToServer, against: client.data)
        let s = replay(stream, direction: .serverToClient, against: server.data)
        #expect(c.consistent && s.consistent)
        #expect(c.missing >= client.dropped)
        #expect(harness.reassembler.bufferedBytes == 0)
    }
}
