import CaptureIO
import PacketDecoding
import Testing
@testable import Reassembly

/// Single behaviours of the reassembler, segment by segment.
@Suite struct TCPReassemblerBehaviourTests {
    let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)

    @Test func dataOnSYNAndSegmentsAfterFIN() {
        let h = Harness()
        h.send(seq: 10, flags: .syn, payload: Array("fast".utf8))          // TCP Fast Open style
        h.send(from: testServer, to: testClient, seq: 99, ack: 15, flags: [.syn, .ack])
        h.send(seq: 15, flags: [.ack, .fin], payload: Array("open".utf8))
        h.send(seq: 20, flags: .ack, payload: Array("late".utf8))          // after the FIN: not stream data
        h.reassembler.finish(at: Timestamp(nanoseconds: 5))
        #expect(h.stream(0)?.bytes[0] == Array("fastopen".utf8))
    }

    @Test func keepAlivesAndZeroWindowProbesAreNotRetransmissions() {
        let h = Harness()
        h.send(seq: 1000, flags: .syn)
        h.send(from: testServer, to: testClient, seq: 5000, ack: 1001, flags: [.syn, .ack])
        h.send(seq: 1001, payload: request)
        let next = 1001 + UInt32(request.count)
        h.send(seq: next - 1, payload: [])            // keep-alive
        h.send(seq: next - 1, payload: [0])           // keep-alive with a garbage byte
        h.send(from: testServer, to: testClient, seq: 5001, ack: next, window: 0)
        h.send(seq: next, payload: [0x41])            // zero-window probe carries the next byte
        h.send(seq: next, payload: [0x41, 0x42])      // then the real data, overlapping the probe
        h.reassembler.finish(at: Timestamp(nanoseconds: 9))
        let stream = h.stream(0)
        #expect(stream?.bytes[0] == request + [0x41, 0x42])
        #expect(stream?.statistics?.retransmittedSegments == 1)
        #expect(stream?.statistics?.zeroWindows == 1)
    }

    @Test func conflictingOverlapKeepsTheFirstCopy() {
        let h = Harness()
        h.send(seq: 0, flags: .syn)
        h.send(seq: 5, payload: Array("FGHIJ".utf8))
        h.send(seq: 5, payload: Array("fghij".utf8))  // same range, other bytes: counted, ignored
        h.send(seq: 1, payload: Array("ABCD".utf8))
        h.reassembler.finish(at: Timestamp(nanoseconds: 1))
        #expect(h.stream(0)?.bytes[0] == Array("ABCDFGHIJ".utf8))
        #expect(h.stream(0)?.statistics?.conflictingOverlaps == 1)
        #expect(h.stream(0)?.statistics?.outOfOrderSegments == 1)
        #expect(h.stream(0)?.statistics?.retransmittedSegments == 1)
    }

    @Test func acknowledgedHoleBecomesAGapAtOnce() {
        let h = Harness()
        h.send(seq: 0, flags: .syn)
        h.send(seq: 1, payload: Array("aaaa".utf8), at: 1)
        // "bbbb" (seq 5) was lost by the capture; the server acknowledges it.
        h.send(from: testServer, to: testClient, seq: 700, ack: 9, flags: .ack, at: 2)
        let events = h.stream(0)?.events ?? []
        #expect(events.contains(.gap(.clientToServer, 4, Timestamp(nanoseconds: 2))))
        h.send(seq: 9, payload: Array("cccc".utf8), at: 3)
        #expect(h.stream(0)?.bytes[0] == Array("aaaacccc".utf8))
    }

    @Test func idleConnectionsAreClosedByCaptureTime() {
        var configuration = TCPReassembler.Configuration()
        configuration.idleTimeoutNanoseconds = 10_000_000_000
        let h = Harness(configuration: configuration)
        h.send(seq: 0, flags: .syn, at: 0)
        h.send(seq: 1, payload: request, at: 1)
        let other = Endpoint(address: IPAddress(ipv4: 0x0A00_0003), port: 50000)
        h.send(from: other, to: testServer, seq: 0, flags: .syn, at: 20_000_000_000)
        #expect(h.stream(0)?.closeReason == .idleTimeout)
        #expect(h.reassembler.openConnections == 1)
        // A later segment on the idle-closed 4-tuple is a new connection.
        h.send(seq: 100, payload: request, at: 21_000_000_000)
        #expect(h.reassembler.totals.connections == 3)
    }

    @Test func unfollowedConnectionsAreCountedButNotBuffered() {
        let h = Harness()
        h.follow = false
        h.send(seq: 0, flags: .syn)
        h.send(seq: 1, payload: request)
        h.send(seq: 5_001, payload: [UInt8](repeating: 1, count: 1_000))   // out of order
        #expect(h.reassembler.bufferedBytes == BufferedSegment.overhead)
        h.reassembler.finish(at: Timestamp(nanoseconds: 1))
        let totals = h.reassembler.totals
        #expect(totals.connections == 1)
        #expect(totals.followedConnections == 0)
        #expect(totals.outOfOrderSegments == 1)
        #expect(totals.gaps == 1)
        #expect(h.reassembler.bufferedBytes == 0)
    }

    @Test func inOrderBulkIsNotBuffered() {
        let h = Harness(recordsEvents: false)
        h.send(seq: UInt32.max - 10, flags: .syn)
        let chunk = [UInt8](repeating: 7, count: 65_000)
        var seq = UInt32.max - 9
        for _ in 0..<200 {
            h.send(seq: seq, payload: chunk)
            seq = seq &+ UInt32(chunk.count)
            #expect(h.reassembler.bufferedBytes == 0)
        }
        h.reassembler.finish(at: Timestamp(nanoseconds: 1))
        #expect(h.stream(0)?.bytes[0].count == 200 * 65_000)
    }

    @Test func serverIsTheSYNAckSenderOrTheLowerPort() {
        let h = Harness()
        let a = Endpoint(address: IPAddress(ipv4: 1), port: 3333)
        let b = Endpoint(address: IPAddress(ipv4: 2), port: 44444)
        h.send(from: a, to: b, seq: 1, ack: 1, flags: [.syn, .ack])
        h.send(from: b, to: a, seq: 1, payload: request)
        let c = Endpoint(address: IPAddress(ipv4: 3), port: 55555)
        let d = Endpoint(address: IPAddress(ipv4: 4), port: 1234)
        h.send(from: c, to: d, seq: 1, payload: request)
        #expect(h.stream(0)?.connection.server == a)
        #expect(h.stream(1)?.connection.server == d)
    }
}
