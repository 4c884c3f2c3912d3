import CaptureIO
import Foundation
import PacketDecoding
import TestSupport
import Testing
@testable import Reassembly

/// The reassembler's direct path for established segments and in-order bytes
/// (`TCPConnection.processEstablished`, `TCPHalfStream.takesInOrder`) must decide every segment
/// as the general path does: the same bytes, gaps, ends and closes at the same times, the same
/// statistics. Both paths get the same segments: the fixtures' and the shared captures', and
/// random conversations made of what the direct path must turn away (SYNs, FINs, resets,
/// keep-alives, holes, acknowledged holes, retransmissions, snap-length cuts, reused 4-tuples).
@Suite struct DirectPathTests {
    /// A harness following every connection, with the direct path on or off.
    static func harness(direct: Bool) -> Harness {
        var configuration = TCPReassembler.Configuration()
        configuration.handlesEstablishedSegmentsDirectly = direct
        return Harness(configuration: configuration)
    }

    static func expectAlike(_ direct: Harness, _ general: Harness, _ what: String) {
        #expect(direct.streams.count == general.streams.count, "\(what): streams")
        for (a, b) in zip(direct.streams, general.streams) {
            #expect(a.connection.index == b.connection.index, "\(what): connection order")
            #expect(a.events == b.events, "\(what): connection \(a.connection.index)")
            #expect(a.statistics == b.statistics, "\(what): statistics of connection \(a.connection.index)")
            #expect(a.closeReason == b.closeReason, "\(what): close of connection \(a.connection.index)")
        }
        #expect(direct.reassembler.totals == general.reassembler.totals, "\(what): totals")
        #expect(direct.reassembler.bufferedBytes == general.reassembler.bufferedBytes, "\(what): buffered bytes")
    }

    static var captures: [String] {
        var paths = ["ends-midtransfer.pcap", "lost.pcap", "midstream.pcap", "reused.pcap"].map(CaptureFiles.fixture)
        paths += ["a-seed-slim.pcap", "e-lifecycle-slim.pcap"].map { ProjectPaths.fixture("captures/\($0)") }
        if ProjectPaths.sharedCapturesAvailable { paths += ProjectPaths.sharedScenarios.map(ProjectPaths.sharedCapture) }
        return paths
    }

    @Test func capturesGoTheSameWayBothPaths() throws {
        for path in Self.captures where CaptureFiles.exists(path) {
            let direct = Self.harness(direct: true), general = Self.harness(direct: false)
            _ = try CaptureFiles.reassemble(path, into: direct.reassembler)
            _ = try CaptureFiles.reassemble(path, into: general.reassembler)
            Self.expectAlike(direct, general, path)
            #expect(!direct.streams.isEmpty, "\(path): nothing followed")
        }
    }

    /// One side of a random conversation: its bytes and where it is.
    struct Side {
        var endpoint: Endpoint
        var isn: UInt32
        var sent = 0        // bytes sent so far (sequence offset after the SYN)
        var received = 0    // the peer's bytes this side has seen, which it acknowledges
    }

    static func conversation(seed: UInt64, into harnesses: [Harness]) {
        var random = SplitMix64(seed: seed)
        var time: Int64 = 0
        func send(_ from: Side, _ to: Side, seq: UInt32, ack: UInt32, flags: TCPFlags, payload: [UInt8] = [],
                  captured: Int? = nil, window: UInt16 = 65535) {
            time += Int64.random(in: 0...3, using: &random)
            for harness in harnesses {
                harness.send(from: from.endpoint, to: to.endpoint, seq: seq, ack: ack, flags: flags, payload: payload,
                             captured: captured, window: window, at: time)
            }
        }
        let ports: [UInt16] = [40000, 40001]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let port = ports.randomElement(using: &random) ?? 40000
            var client = Side(endpoint: Endpoint(address: testClient.address, port: port), isn: UInt32.random(in: 0...UInt32.max, using: &random))
            var server = Side(endpoint: testServer, isn: UInt32.random(in: 0...UInt32.max, using: &random))
            if Int.random(in: 0..<4, using: &random) != 0 {   // else picked up mid-stream
                send(client, server, seq: client.isn, ack: 0, flags: .syn)
                send(server, client, seq: server.isn, ack: client.isn &+ 1, flags: [.syn, .ack])
            }
            for step in 0..<Int.random(in: 5...60, using: &random) {
                let fromClient = Bool.random(using: &random)
                var (me, peer) = fromClient ? (client, server) : (server, client)
                let count = [0, 0, 1, 7, 100, 1460].randomElement(using: &random) ?? 0
                let payload = random.bytes(count)
                var seq = me.isn &+ 1 &+ UInt32(truncatingIfNeeded: me.sent)
                var ack = peer.isn &+ 1 &+ UInt32(truncatingIfNeeded: me.received)
                var flags: TCPFlags = .ack
                var captured: Int?
                var window: UInt16 = 65535
                switch Int.random(in: 0..<20, using: &random) {
                case 0: seq = seq &- 1                                   // keep-alive or retransmission
                case 1: seq = seq &+ UInt32(Int.random(in: 1...3000, using: &random))   // a hole before it
                case 2: ack = ack &+ UInt32(Int.random(in: 1...2000, using: &random))   // acknowledges bytes not seen
                case 3: captured = Int.random(in: 0...count, using: &random)              // snap length
                case 4: window = 0
                case 5: flags = [.ack, .psh]
                case 6: flags = []                                                       // no ACK at all
                case 7 where step > 3: flags = [.ack, .fin]
                case 8 where step > 10: flags = [.ack, .rst]
                default: break
                }
                send(me, peer, seq: seq, ack: ack, flags: flags, payload: payload, captured: captured, window: window)
                if seq == me.isn &+ 1 &+ UInt32(truncatingIfNeeded: me.sent) && !Int.random(in: 0..<8, using: &random).isMultiple(of: 7) {
                    me.sent += count
                    peer.received += count
                } else {
                    me.sent += Int.random(in: 0...1, using: &random) * count   // a lost segment, sometimes
                }
                if fromClient { (client, server) = (me, peer) } else { (server, client) = (me, peer) }
                if flags.contains(.rst) { break }
            }
        }
        for harness in harnesses { harness.reassembler.finish(at: Timestamp(nanoseconds: time + 1)) }
    }

    @Test(arguments: 0..<200)
    func randomConversationsGoTheSameWayBothPaths(seed: Int) {
        let direct = Self.harness(direct: true), general = Self.harness(direct: false)
        Self.conversation(seed: UInt64(seed), into: [direct, general])
        Self.expectAlike(direct, general, "seed \(seed)")
    }
}
