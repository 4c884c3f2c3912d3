import CaptureIO
import Foundation
import PacketDecoding
import Reassembly
@testable import HTTPDecoding
import TestSupport

/// The recorded HTTP streams of one capture (`Fixtures/http/*.fixture`, written by
/// `Fixtures/http/record.py` from tshark's view of the capture), and ways to replay them.
struct HTTPFixture {
    enum Event {
        case connection(ConnectionInfo)
        case data(Int, FlowDirection, Timestamp, [UInt8])
        case gap(Int, FlowDirection, Timestamp, Int)
        case fin(Int, FlowDirection, Timestamp)
        case close(Int, Timestamp)
    }

    var events: [Event] = []

    static let directory = ProjectPaths.fixtures.appendingPathComponent("http")

    static let scenarios = ["a-seed", "b-sequential", "e-lifecycle"]

    init(scenario: String) throws {
        let data = try Data(contentsOf: HTTPFixture.directory.appendingPathComponent("\(scenario).fixture"))
        let bytes = [UInt8](data)
        var i = 0
        func line() -> [String]? {
            guard i < bytes.count else { return nil }
            var end = i
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let text = String(decoding: bytes[i..<end], as: UTF8.self)
            i = end + 1
            return text.split(separator: " ").map(String.init)
        }
        func direction(_ text: String) -> FlowDirection { text == "c" ? .clientToServer : .serverToClient }
        func time(_ text: String) -> Timestamp { Timestamp(nanoseconds: Int64(text) ?? 0) }
        _ = line()  // header
        while let fields = line() {
            guard let kind = fields.first else { continue }
            let index = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            switch kind {
            case "connection":
                events.append(.connection(ConnectionInfo(index: index, client: HTTPFixture.endpoint(fields[2]),
                                                         server: HTTPFixture.endpoint(fields[3]), firstSeen: time(fields[4]),
                                                         sawHandshake: fields[5] == "1")))
            case "data":
                let count = Int(fields[4]) ?? 0
                events.append(.data(index, direction(fields[2]), time(fields[3]), Array(bytes[i..<(i + count)])))
                i += count + 1
            case "gap":
                events.append(.gap(index, direction(fields[2]), time(fields[3]), Int(fields[4]) ?? 0))
            case "fin":
                events.append(.fin(index, direction(fields[2]), time(fields[3])))
            case "close":
                events.append(.close(index, time(fields[2])))
            default:
                break
            }
        }
    }

    static func endpoint(_ text: String) -> Endpoint {
        let parts = text.split(separator: ":")
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        let address = octets.reduce(UInt32(0)) { $0 << 8 | $1 }
        return Endpoint(address: IPAddress(ipv4: address), port: UInt16(parts[1]) ?? 0)
    }

    /// Replays the fixture through one decoder per connection. `split` cuts each data record into
    /// pieces (sizes); every piece carries the record's time, as a reassembler would give it.
    func decode(configuration: HTTPDecoderConfiguration = .hashingImageUploads,
                split: (Int) -> [Int] = { [$0] }) -> (exchanges: [HTTPExchange], decoders: [HTTPConnectionDecoder]) {
        var exchanges: [HTTPExchange] = []
        var decoders: [Int: HTTPConnectionDecoder] = [:]
        var order: [HTTPConnectionDecoder] = []
        for event in events {
            switch event {
            case .connection(let info):
                let decoder = HTTPConnectionDecoder(connection: info, configuration: configuration) { exchanges.append($0) }
                decoders[info.index] = decoder
                order.append(decoder)
            case .data(let index, let direction, let time, let bytes):
                var offset = 0
                for size in split(bytes.count) where size > 0 {
                    let end = min(bytes.count, offset + size)
                    bytes[offset..<end].withUnsafeBytes { decoders[index]?.receive($0, direction: direction, at: time) }
                    offset = end
                }
                if offset < bytes.count {
                    bytes[offset...].withUnsafeBytes { decoders[index]?.receive($0, direction: direction, at: time) }
                }
            case .gap(let index, let direction, let time, let count):
                decoders[index]?.gap(count, direction: direction, at: time)
            case .fin(let index, let direction, let time):
                decoders[index]?.finished(direction: direction, at: time)
            case .close(let index, let time):
                decoders[index]?.close(reason: .fin, statistics: ConnectionStatistics(), at: time)
            }
        }
        return (exchanges, order)
    }

    /// The fixture's truth: the servers' request logs (`http_requests` of the capture's truth.json).
    static func truth(_ scenario: String) throws -> [String: Any] {
        try FixtureFile.jsonObject(in: directory, named: "\(scenario).truth.json")
    }
}

/// Feeds literal messages to a decoder in tests.
final class DecoderHarness {
    final class Sink { var exchanges: [HTTPExchange] = [] }
    private let sink = Sink()
    let decoder: HTTPConnectionDecoder
    var time: Int64 = 1_000_000_000

    init(configuration: HTTPDecoderConfiguration = .hashingImageUploads, sawHandshake: Bool = true) {
        let info = ConnectionInfo(index: 7, client: HTTPFixture.endpoint("10.0.0.1:40000"),
                                  server: HTTPFixture.endpoint("10.0.0.2:9292"), firstSeen: Timestamp(nanoseconds: 0),
                                  sawHandshake: sawHandshake)
        let sink = self.sink
        decoder = HTTPConnectionDecoder(connection: info, configuration: configuration) { sink.exchanges.append($0) }
    }

    /// Exchanges emitted so far.
    var exchanges: [HTTPExchange] { sink.exchanges }

    /// Sends bytes in one direction in `pieces` calls; each send advances the clock by 1 ms.
    func send(_ text: String, _ direction: FlowDirection, pieces: Int = 1) {
        send(Array(text.utf8), direction, pieces: pieces)
    }

    func send(_ bytes: [UInt8], _ direction: FlowDirection, pieces: Int = 1) {
        time += 1_000_000
        let size = max(1, (bytes.count + pieces - 1) / max(1, pieces))
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            bytes[offset..<end].withUnsafeBytes { decoder.receive($0, direction: direction, at: Timestamp(nanoseconds: time)) }
            offset = end
        }
    }

    /// Sends `bytes` except the ranges in `gaps` (sorted, not overlapping), which arrive as gaps;
    /// each send is at most `pieceSize()` bytes.
    func send(_ bytes: [UInt8], losing gaps: [Range<Int>], _ direction: FlowDirection, pieceSize: () -> Int) {
        var offset = 0
        for gap in gaps + [bytes.count..<bytes.count] {
            while offset < gap.lowerBound {
                let end = min(gap.lowerBound, offset + max(1, pieceSize()))
                send(Array(bytes[offset..<end]), direction)
                offset = end
            }
            if !gap.isEmpty { self.gap(gap.count, direction) }
            offset = max(offset, gap.upperBound)
        }
    }

    func gap(_ count: Int, _ direction: FlowDirection) {
        time += 1_000_000
        decoder.gap(count, direction: direction, at: Timestamp(nanoseconds: time))
    }

    func close() {
        time += 1_000_000
        decoder.close(reason: .fin, statistics: ConnectionStatistics(), at: Timestamp(nanoseconds: time))
    }
}
