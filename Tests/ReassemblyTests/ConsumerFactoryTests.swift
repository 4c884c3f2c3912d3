import CaptureIO
import PacketDecoding
import Testing
@testable import Reassembly

/// When and with what the consumer factory is asked.
@Suite struct ConsumerFactoryTests {
    @Test func askedOnceWithTheFirstPayloadAndItsDirection() {
        var calls: [(ConnectionInfo, [UInt8], FlowDirection)] = []
        var recorder: FollowedStream?
        let reassembler = TCPReassembler { info, payload, direction in
            calls.append((info, payload.map { Array($0) } ?? [], direction))
            let stream = FollowedStream(connection: info)
            recorder = stream
            return stream
        }
        let client = Endpoint(address: IPAddress(ipv4: 1), port: 50000)
        let server = Endpoint(address: IPAddress(ipv4: 2), port: 3306)
        func send(_ from: Endpoint, _ to: Endpoint, _ seq: UInt32, _ flags: TCPFlags, _ payload: [UInt8]) {
            payload.withUnsafeBytes { bytes in
                reassembler.process(TCPSegment(source: from, destination: to, sequenceNumber: seq, acknowledgementNumber: 0,
                                               flags: flags, window: 100, payload: bytes, payloadLength: payload.count),
                                    at: Timestamp(nanoseconds: 1))
            }
        }
        send(client, server, 10, .syn, [])
        send(server, client, 50, [.syn, .ack], [])
        #expect(calls.isEmpty)
        // MySQL speaks first: the server greeting is what the factory sniffs.
        send(server, client, 51, .ack, [0x0a, 0x35, 0x2e])
        send(client, server, 11, .ack, [0x01])
        #expect(calls.count == 1)
        #expect(calls.first?.1 == [0x0a, 0x35, 0x2e])
        #expect(calls.first?.2 == .serverToClient)
        #expect(calls.first?.0.server == server)
        #expect(calls.first?.0.sawHandshake == true)
        #expect(recorder?.bytes == [[0x01], [0x0a, 0x35, 0x2e]])
    }

    @Test func gapsBeforeTheFirstPayloadAreReplayedToTheConsumer() {
        let h = Harness()
        h.send(seq: 0, flags: .syn)
        h.send(seq: 101, payload: Array("tail".utf8))       // the first 100 bytes were lost
        h.send(from: testServer, to: testClient, seq: 9, ack: 105, flags: .ack)
        let events = h.stream(0)?.events ?? []
        #expect(events.first == .gap(.clientToServer, 100, Timestamp.zero))
        #expect(h.stream(0)?.bytes[0] == Array("tail".utf8))
    }

    @Test func acknowledgedHoleWaitsForTheConfiguredDelay() {
        var configuration = TCPReassembler.Configuration()
        configuration.acknowledgedHoleDelayNanoseconds = 1_000
        let h = Harness(configuration: configuration)
        h.send(seq: 0, flags: .syn, at: 0)
        h.send(seq: 1, payload: Array("ab".utf8), at: 1)
        h.send(from: testServer, to: testClient, seq: 9, ack: 5, flags: .ack, at: 2)   // acks "cd", not captured yet
        h.send(seq: 3, payload: Array("cd".utf8), at: 500)                             // arrives late: no gap
        #expect(h.stream(0)?.missing == [0, 0])
        h.send(from: testServer, to: testClient, seq: 9, ack: 9, flags: .ack, at: 600)  // acks "efgh", never captured
        h.send(from: testServer, to: testClient, seq: 9, ack: 9, flags: .ack, at: 900)
        #expect(h.stream(0)?.missing == [0, 0])
        h.send(from: testServer, to: testClient, seq: 9, ack: 9, flags: .ack, at: 1_700)
        #expect(h.stream(0)?.missing == [4, 0])
    }

    @Test func dumpLooksLikeTsharkFollowRaw() {
        let h = Harness()
        h.send(seq: 0, flags: .syn)
        h.send(seq: 1, payload: [0xAB, 0x01])
        h.send(from: testServer, to: testClient, seq: 7, ack: 3, flags: .ack, payload: [0xFF])
        let dump = h.stream(0)?.dump() ?? ""
        #expect(dump.contains("Filter: tcp.stream eq 0\nNode 0: 10.0.0.1:40000\nNode 1: 10.0.0.2:9292\nab01\n\tff\n"))
    }
}
