import CaptureIO
import PacketDecoding
@testable import Reassembly
import Testing

/// The memory budget and the half-open timeout (issue 19): which connections close early, in
/// what order, and that a connection with a completed handshake is never half-open.
struct MemoryBudgetTests {
    final class CloseLog: StreamConsumer {
        var closed: [(port: UInt16, reason: CloseReason)] = []
        let port: UInt16
        weak var owner: Rig?
        init(port: UInt16, owner: Rig) { self.port = port; self.owner = owner }
        func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {}
        func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {}
        func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
            owner?.closed.append((port, reason))
        }
    }

    final class Rig {
        var closed: [(port: UInt16, reason: CloseReason)] = []
        var reassembler: TCPReassembler!
        let server = Endpoint(address: IPAddress(ipv4: 0xc0a8_1802), port: 9292)
        init(budget: Int, halfOpenTimeout: Int64 = 30_000_000_000) {
            var configuration = TCPReassembler.Configuration()
            configuration.memoryBudgetBytes = budget
            configuration.halfOpenTimeoutNanoseconds = halfOpenTimeout
            reassembler = TCPReassembler(configuration: configuration) { [unowned self] info, _, _ in
                CloseLog(port: info.client.port, owner: self)
            }
        }
        func client(_ port: UInt16) -> Endpoint { Endpoint(address: IPAddress(ipv4: 0x0a40_0001), port: port) }
        func send(_ source: Endpoint, _ destination: Endpoint, seq: UInt32, ack: UInt32 = 0, flags: TCPFlags,
                  payload: [UInt8] = [], at seconds: Double) {
            payload.withUnsafeBytes { bytes in
                let segment = TCPSegment(source: source, destination: destination, sequenceNumber: seq,
                                         acknowledgementNumber: ack, flags: flags, window: 65535,
                                         payload: bytes, payloadLength: payload.count)
                reassembler.process(segment, at: Timestamp(nanoseconds: Int64(seconds * 1e9)))
            }
        }
        /// A SYN and a request head, never answered (a flood's connection).
        func halfOpen(_ port: UInt16, at seconds: Double) {
            send(client(port), server, seq: 1000, flags: .syn, at: seconds)
            send(client(port), server, seq: 1001, flags: .psh, payload: Array("PUT /x HTTP/1.1\r\n".utf8), at: seconds + 0.001)
        }
        /// A completed handshake and a request head.
        func established(_ port: UInt16, at seconds: Double) {
            send(client(port), server, seq: 1000, flags: .syn, at: seconds)
            send(server, client(port), seq: 5000, ack: 1001, flags: [.syn, .ack], at: seconds + 0.0001)
            send(client(port), server, seq: 1001, ack: 5001, flags: [.ack, .psh], payload: Array("GET / HTTP/1.1\r\n".utf8),
                 at: seconds + 0.001)
        }
    }

    @Test func theConnectionsIdleLongestAreEvictedFirst() {
        // Room for two followed connections (6 KB each), not three.
        let rig = Rig(budget: 2 * (ConnectionCost.open + ConnectionCost.followed) + 512)
        rig.established(40001, at: 1)
        rig.established(40002, at: 2)
        rig.send(rig.client(40001), rig.server, seq: 1017, ack: 5001, flags: [.ack, .psh], payload: Array("X: y\r\n".utf8), at: 3)
        rig.established(40003, at: 4)
        // 40002 was idle longest (40001 spoke at 3 s): it goes, the others stay.
        #expect(rig.closed.map(\.port) == [40002])
        #expect(rig.closed.first?.reason == .evicted)
        #expect(rig.reassembler.shedding.evicted == 1)
        #expect(rig.reassembler.shedding.evictedActive == 0)
    }

    @Test func halfOpenConnectionsTimeOutButEstablishedOnesDoNot() {
        let rig = Rig(budget: 0, halfOpenTimeout: 30_000_000_000)
        rig.halfOpen(40001, at: 1)
        rig.established(40002, at: 1)
        rig.halfOpen(40003, at: 40)   // 39 s later: the first half-open connection is over its timeout
        #expect(rig.closed.map(\.port) == [40001])
        #expect(rig.closed.first?.reason == .halfOpenTimeout)
        #expect(rig.reassembler.shedding.halfOpenTimedOut == 1)
        rig.reassembler.finish(at: Timestamp(nanoseconds: 41_000_000_000))
        // At the end, the half-open one left is the flood's too (the timeout acted): shed, not listed.
        #expect(rig.closed.map(\.reason) == [.halfOpenTimeout, .endOfCapture, .halfOpenTimeout])
        #expect(rig.reassembler.shedding.halfOpenAtEnd == 1)
    }

    @Test func aNormalCaptureIsLeftAlone() {
        let rig = Rig(budget: 128 << 20)
        for i in 0..<50 { rig.established(UInt16(40000 + i), at: Double(i)) }
        rig.reassembler.finish(at: Timestamp(nanoseconds: 100_000_000_000))
        #expect(rig.reassembler.shedding.isEmpty)
        #expect(rig.closed.allSatisfy { $0.reason == .endOfCapture })
    }
}
