import CaptureIO
import PacketDecoding
@testable import Reassembly
import TestSupport
import Testing

/// The TCP evidence the reassembler hands with each chunk (`StreamPosition`): the chunk's
/// offset in its own stream, and the acknowledgement of its segment as an offset in the other
/// direction's stream. Pairing a response with its request rests on these numbers.
struct StreamPositionTests {
    /// Records every delivery with its position.
    final class PositionRecorder: StreamConsumer {
        enum Event: Equatable {
            case data(FlowDirection, [UInt8], StreamPosition)
            case gap(FlowDirection, Int)
        }
        var events: [Event] = []
        func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
            Issue.record("the reassembler must deliver with a position")
        }
        func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition) {
            events.append(.data(direction, Array(bytes), position))
        }
        func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) { events.append(.gap(direction, count)) }
        func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {}
    }

    final class Rig {
        let recorder = PositionRecorder()
        var reassembler: TCPReassembler!
        init() {
            reassembler = TCPReassembler { [recorder] _, _, _ in recorder }
        }
        func send(_ source: Endpoint, _ destination: Endpoint, seq: UInt32, ack: UInt32?, flags: TCPFlags = [],
                  payload: [UInt8] = [], at time: Int64) {
            payload.withUnsafeBytes { bytes in
                let segment = TCPSegment(source: source, destination: destination, sequenceNumber: seq,
                                         acknowledgementNumber: ack ?? 0, flags: ack == nil ? flags : flags.union(.ack),
                                         window: 65535, payload: bytes, payloadLength: payload.count)
                reassembler.process(segment, at: Timestamp(nanoseconds: time))
            }
        }
    }

    static let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)        // 18 bytes
    static let response = Array("HTTP/1.1 200 OK\r\n\r\n".utf8)     // 19 bytes

    /// SYN at ISN 1000 (client) and 5000 (server): stream offset 0 is ISN + 1.
    func handshake(_ rig: Rig) {
        rig.send(testClient, testServer, seq: 1000, ack: nil, flags: .syn, at: 1)
        rig.send(testServer, testClient, seq: 5000, ack: 1001, flags: .syn, at: 2)
        rig.send(testClient, testServer, seq: 1001, ack: 5001, at: 3)
    }

    @Test func aResponseCarriesTheRequestBytesItsSegmentAcknowledged() {
        let rig = Rig()
        handshake(rig)
        rig.send(testClient, testServer, seq: 1001, ack: 5001, payload: Self.request, at: 4)
        rig.send(testServer, testClient, seq: 5001, ack: 1001 + 18, payload: Self.response, at: 5)
        rig.send(testClient, testServer, seq: 1019, ack: 5001 + 19, payload: Self.request, at: 6)
        #expect(rig.recorder.events == [
            .data(.clientToServer, Self.request, StreamPosition(offset: 0, peerAcknowledged: 0)),
            .data(.serverToClient, Self.response, StreamPosition(offset: 0, peerAcknowledged: 18)),
            .data(.clientToServer, Self.request, StreamPosition(offset: 18, peerAcknowledged: 19)),
        ])
    }

    /// A held (out-of-order) segment keeps the acknowledgement it arrived with; offsets count
    /// gaps, so they stay those of the stream.
    @Test func heldSegmentsKeepTheirAcknowledgementAndGapsCount() {
        let rig = Rig()
        handshake(rig)
        rig.send(testClient, testServer, seq: 1001, ack: 5001, payload: Self.request, at: 4)
        rig.send(testServer, testClient, seq: 5001 + 10, ack: 1001 + 18, payload: Array(Self.response[10...]), at: 5)
        rig.send(testServer, testClient, seq: 5001, ack: 1001 + 3, payload: Array(Self.response[..<10]), at: 6)
        #expect(rig.recorder.events == [
            .data(.clientToServer, Self.request, StreamPosition(offset: 0, peerAcknowledged: 0)),
            .data(.serverToClient, Array(Self.response[..<10]), StreamPosition(offset: 0, peerAcknowledged: 3)),
            .data(.serverToClient, Array(Self.response[10...]), StreamPosition(offset: 10, peerAcknowledged: 18)),
        ])
        rig.recorder.events = []
        // 100 bytes never captured, then more: the offset after the gap includes them.
        rig.send(testServer, testClient, seq: 5001 + 19 + 100, ack: 1001 + 18, payload: Self.response, at: 7)
        rig.reassembler.finish(at: Timestamp(nanoseconds: 8))
        #expect(rig.recorder.events == [
            .gap(.serverToClient, 100),
            .data(.serverToClient, Self.response, StreamPosition(offset: 119, peerAcknowledged: 18)),
        ])
    }

    /// A capture that begins mid-connection: the first response acknowledges request bytes sent
    /// before the capture (a negative offset), and a segment with no ACK flag carries none.
    @Test func acknowledgementsOfBytesBeforeTheCaptureAreNegative() {
        let rig = Rig()
        rig.send(testClient, testServer, seq: 700, ack: 9000, payload: Self.request, at: 1)
        rig.send(testServer, testClient, seq: 9000, ack: 650, payload: Self.response, at: 2)
        rig.send(testServer, testClient, seq: 9019, ack: nil, payload: Self.response, at: 3)
        #expect(rig.recorder.events == [
            .data(.clientToServer, Self.request, StreamPosition(offset: 0, peerAcknowledged: nil)),
            .data(.serverToClient, Self.response, StreamPosition(offset: 0, peerAcknowledged: -50)),
            .data(.serverToClient, Self.response, StreamPosition(offset: 19, peerAcknowledged: nil)),
        ])
    }

    /// A request held behind a lost segment is declared (gap, then its bytes) before the
    /// response that acknowledges it is delivered: the decoder then has the request in hand
    /// when the response comes (Zeek's zero-length-bodies-with-drops).
    @Test func acknowledgedRequestBytesReachTheConsumerBeforeTheResponse() {
        let rig = Rig()
        handshake(rig)
        rig.send(testClient, testServer, seq: 1001 + 50, ack: 5001, payload: Self.request, at: 4)
        rig.send(testServer, testClient, seq: 5001, ack: 1001 + 68, payload: Self.response, at: 5)
        #expect(rig.recorder.events == [
            .gap(.clientToServer, 50),
            .data(.clientToServer, Self.request, StreamPosition(offset: 50, peerAcknowledged: 0)),
            .data(.serverToClient, Self.response, StreamPosition(offset: 0, peerAcknowledged: 68)),
        ])
    }

    /// Whatever the segmentation, order, duplicates and losses, a chunk's offset is the number
    /// of bytes and gap bytes delivered before it in its direction: what a decoder counts itself.
    @Test(arguments: 1...20)
    func offsetsCountEveryByteAndGapDeliveredBefore(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let rig = Rig()
        let isn = (client: UInt32.random(in: 0...UInt32.max, using: &generator), server: UInt32.random(in: 0...UInt32.max, using: &generator))
        rig.send(testClient, testServer, seq: isn.client, ack: nil, flags: .syn, at: 0)
        rig.send(testServer, testClient, seq: isn.server, ack: isn.client &+ 1, flags: .syn, at: 1)
        var pieces: [(fromClient: Bool, offset: Int, count: Int)] = []
        for fromClient in [true, false] {
            var offset = 0
            let length = Int.random(in: 1...6_000, using: &generator)
            while offset < length {
                let count = min(Int.random(in: 1...900, using: &generator), length - offset)
                // One piece in six is lost; one in five sent twice.
                if Int.random(in: 0..<6, using: &generator) != 0 { pieces.append((fromClient, offset, count)) }
                if Int.random(in: 0..<5, using: &generator) == 0 { pieces.append((fromClient, offset, count)) }
                offset += count
            }
        }
        pieces.shuffle(using: &generator)
        var time: Int64 = 2
        for piece in pieces {
            let payload = (0..<piece.count).map { UInt8(truncatingIfNeeded: piece.offset + $0) }
            if piece.fromClient {
                rig.send(testClient, testServer, seq: isn.client &+ 1 &+ UInt32(piece.offset), ack: isn.server &+ 1, payload: payload, at: time)
            } else {
                rig.send(testServer, testClient, seq: isn.server &+ 1 &+ UInt32(piece.offset), ack: isn.client &+ 1, payload: payload, at: time)
            }
            time += 1
        }
        rig.reassembler.finish(at: Timestamp(nanoseconds: time))
        var counted = [0, 0]
        var deliveries = 0
        for event in rig.recorder.events {
            switch event {
            case .data(let direction, let bytes, let position):
                #expect(position.offset == counted[direction.rawValue], "seed \(seed)")
                // The bytes carry their own offsets (mod 256): each chunk is where it says.
                #expect(bytes.first == UInt8(truncatingIfNeeded: position.offset), "seed \(seed)")
                #expect(position.peerAcknowledged == 0, "every segment acknowledged the peer's first byte")
                counted[direction.rawValue] += bytes.count
                deliveries += 1
            case .gap(let direction, let count):
                counted[direction.rawValue] += count
            }
        }
        #expect(deliveries > 0)
    }
}
