import CaptureIO
import PacketDecoding
import Testing
@testable import Reassembly

/// The cache in front of the connection table holds no references: a 4-tuple in two of its
/// ways, or a closed connection left in one, would hand a segment to a connection that is
/// gone. Three clients whose 4-tuples fall in one set (two ways) take turns, one is reset and
/// its 4-tuple opened again; every byte must reach its own connection, in order.
@Suite struct OpenConnectionCacheTests {
    /// Client ports whose 4-tuples with `testServer` share a set of the cache.
    static func clientsSharingASet(_ count: Int) -> [Endpoint] {
        var bySet: [Int: [Endpoint]] = [:]
        for port in UInt16(30000)...UInt16(60000) {
            let client = Endpoint(address: testClient.address, port: port)
            let set = OpenConnectionCache.slot(of: ConnectionKey(client, testServer))
            bySet[set, default: []].append(client)
            if bySet[set]!.count == count { return bySet[set]! }
        }
        return []
    }

    @Test func connectionsSharingASetKeepTheirOwnBytes() {
        let clients = Self.clientsSharingASet(3)
        #expect(clients.count == 3)
        let h = Harness()
        var time: Int64 = 0
        func open(_ client: Endpoint, isn: UInt32) {
            time += 1
            h.send(from: client, to: testServer, seq: isn, flags: .syn, at: time)
            h.send(from: testServer, to: client, seq: 7000, ack: isn + 1, flags: [.syn, .ack], at: time)
            h.send(from: client, to: testServer, seq: isn + 1, ack: 7001, at: time)
        }
        for client in clients { open(client, isn: 100) }
        var sent: [[UInt8]] = Array(repeating: [], count: 4)
        var next = Array(repeating: UInt32(101), count: 3)
        for round in 0..<20 {
            for (index, client) in clients.enumerated() {
                let bytes = Array("round \(round) of client \(index);".utf8)
                time += 1
                h.send(from: client, to: testServer, seq: next[index], ack: 7001, payload: bytes, at: time)
                h.send(from: testServer, to: client, seq: 7001, ack: next[index] + UInt32(bytes.count), at: time)
                next[index] += UInt32(bytes.count)
                sent[index] += bytes
            }
            if round == 9 {
                // The second client's connection is reset, and its 4-tuple starts a new one.
                time += 1
                h.send(from: clients[1], to: testServer, seq: next[1], flags: [.rst, .ack], at: time)
                open(clients[1], isn: 5000)
                next[1] = 5001
                sent[3] = sent[1]
                sent[1] = []
            }
        }
        h.reassembler.finish(at: Timestamp(nanoseconds: time + 1))
        #expect(h.reassembler.totals.connections == 4)
        // Connections are numbered in order of appearance: the reopened one is the fourth.
        #expect(h.stream(0)?.bytes[0] == sent[0])
        #expect(h.stream(1)?.bytes[0] == sent[3])
        #expect(h.stream(2)?.bytes[0] == sent[2])
        #expect(h.stream(3)?.bytes[0] == sent[1])
    }

    /// A slot worked out elsewhere is only read: a wrong one (any Int) costs a miss, and the
    /// connection is still cached where its key says, so closing it leaves nothing behind.
    @Test func aWrongCacheSlotOnlyMisses() {
        let h = Harness()
        let key = ConnectionKey(testClient, testServer)
        let slots = [-1, Int.max, Int.min, 3, TCPReassembler.cacheSlot(of: key) + 2]
        var time: Int64 = 0
        func send(_ source: Endpoint, _ destination: Endpoint, seq: UInt32, ack: UInt32, flags: TCPFlags,
                  payload: [UInt8] = []) {
            time += 1
            payload.withUnsafeBytes { bytes in
                let segment = TCPSegment(source: source, destination: destination, sequenceNumber: seq,
                                         acknowledgementNumber: ack, flags: flags, window: 65535,
                                         payload: bytes, payloadLength: payload.count)
                h.reassembler.process(segment, key: key, cacheSlot: slots[Int(time) % slots.count],
                                      at: Timestamp(nanoseconds: time))
            }
        }
        var sent: [UInt8] = []
        for isn in [UInt32(100), 9000] {
            send(testClient, testServer, seq: isn, ack: 0, flags: .syn)
            send(testServer, testClient, seq: 7000, ack: isn + 1, flags: [.syn, .ack])
            var next = isn + 1
            for round in 0..<7 {
                let bytes = Array("part \(round) after \(isn);".utf8)
                send(testClient, testServer, seq: next, ack: 7001, flags: .ack, payload: bytes)
                next += UInt32(bytes.count)
                if isn == 100 { sent += bytes }
            }
            send(testClient, testServer, seq: next, ack: 7001, flags: [.rst, .ack])
        }
        h.reassembler.finish(at: Timestamp(nanoseconds: time + 1))
        #expect(h.reassembler.totals.connections == 2)
        #expect(h.stream(0)?.bytes[0] == sent)
        #expect(h.reassembler.openConnections == 0)
    }
}
