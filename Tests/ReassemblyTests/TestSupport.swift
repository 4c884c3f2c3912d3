import CaptureIO
import PacketDecoding
@testable import Reassembly
import TestSupport

let testClient = Endpoint(address: IPAddress(ipv4: 0x0A00_0001), port: 40000)
let testServer = Endpoint(address: IPAddress(ipv4: 0x0A00_0002), port: 9292)

/// A reassembler whose factory follows every connection with a `FollowedStream`.
final class Harness {
    private(set) var streams: [FollowedStream] = []
    var reassembler: TCPReassembler!
    var follow = true

    init(configuration: TCPReassembler.Configuration = TCPReassembler.Configuration(), recordsEvents: Bool = true) {
        reassembler = TCPReassembler(configuration: configuration) { [weak self] info, _, _ in
            guard let self, self.follow else { return nil }
            let stream = FollowedStream(connection: info, recordsEvents: recordsEvents)
            self.streams.append(stream)
            return stream
        }
    }

    /// Sends one segment; `captured` cuts the payload as a snaplen would.
    func send(from source: Endpoint = testClient, to destination: Endpoint = testServer, seq: UInt32, ack: UInt32 = 0,
              flags: TCPFlags = .ack, payload: [UInt8] = [], captured: Int? = nil, window: UInt16 = 65535,
              at nanoseconds: Int64 = 0) {
        let kept = Array(payload.prefix(captured ?? payload.count))
        kept.withUnsafeBytes { bytes in
            let segment = TCPSegment(source: source, destination: destination, sequenceNumber: seq,
                                     acknowledgementNumber: ack, flags: flags, window: window,
                                     payload: bytes, payloadLength: payload.count)
            reassembler.process(segment, at: Timestamp(nanoseconds: nanoseconds))
        }
    }

    func stream(_ index: Int) -> FollowedStream? { streams.first { $0.connection.index == index } }
}

/// Checks a stream's events against the bytes that were sent: every delivered byte at its
/// offset, gaps advancing the offset. Returns (delivered bytes, missing bytes, consistent).
func replay(_ stream: FollowedStream, direction: FlowDirection, against sent: [UInt8]) -> (delivered: Int, missing: Int, consistent: Bool) {
    var offset = 0
    var delivered = 0
    var missing = 0
    var consistent = true
    for event in stream.events {
        switch event {
        case .data(let d, let bytes, _) where d == direction:
            if offset + bytes.count > sent.count || Array(sent[offset..<offset + bytes.count]) != bytes { consistent = false }
            offset += bytes.count
            delivered += bytes.count
        case .gap(let d, let count, _) where d == direction:
            offset += count
            missing += count
        default:
            continue
        }
    }
    return (delivered, missing, consistent && offset == sent.count)
}
