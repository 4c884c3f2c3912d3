import CaptureIO
import Foundation
import PacketDecoding
import Reassembly
@testable import MySQLDecoding
import TestSupport

/// MySQL streams recorded from a capture by `Fixtures/mysql/extract_streams.py`.
struct StreamFixture {
    enum Event {
        case data(stream: Int, direction: FlowDirection, time: Timestamp, bytes: [UInt8])
        case close(stream: Int, time: Timestamp)
    }

    var connections: [Int: ConnectionInfo] = [:]
    var events: [Event] = []

    static var directory: URL { ProjectPaths.fixtures.appendingPathComponent("mysql") }

    /// Reads a gzip file with the decoder's own zlib inflater.
    static func gunzip(_ name: String) throws -> [UInt8] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let inflater = ZlibInflater(gzip: true)
        var out: [UInt8] = []
        data.withUnsafeBytes { raw in
            _ = inflater.inflate(raw) { out.append(contentsOf: $0) }
        }
        return out
    }

    init(named name: String) throws {
        let bytes = try StreamFixture.gunzip(name)
        var r = ByteCursor(bytes: bytes, offset: 8)
        guard bytes.count >= 8, String(decoding: bytes[0..<8], as: UTF8.self) == "GTMYSQL1" else {
            throw FixtureError.badFormat(name)
        }
        while let kind = r.u8() {
            switch kind {
            case 1:
                let stream = Int(r.u32()), syn = r.u8() == 1
                let client = Endpoint(address: StreamFixture.ipv4(r.string()), port: r.u16())
                let server = Endpoint(address: StreamFixture.ipv4(r.string()), port: r.u16())
                connections[stream] = ConnectionInfo(index: stream, client: client, server: server,
                                                     firstSeen: .zero, sawHandshake: syn)
            case 2:
                let stream = Int(r.u32()), dir = r.u8(), time = r.i64(), count = Int(r.u32())
                events.append(.data(stream: stream, direction: dir == 0 ? .clientToServer : .serverToClient,
                                    time: Timestamp(nanoseconds: time), bytes: r.bytes(count)))
            case 4:
                events.append(.close(stream: Int(r.u32()), time: Timestamp(nanoseconds: r.i64())))
            default:
                throw FixtureError.badFormat(name)
            }
        }
    }

    static func ipv4(_ text: String) -> IPAddress {
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4 else { return IPAddress(ipv4: 0) }
        return IPAddress(ipv4: parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3])
    }

    enum Split {
        case asRecorded
        case byteByByte
        /// Each chunk cut at random points (seeded), times kept.
        case random(seed: UInt64)
        /// Neighbouring chunks of one direction merged (times then differ), then cut randomly.
        case merged(seed: UInt64)
    }

    /// Feeds every stream to its own decoder and returns all records in emission order.
    func replay(split: Split = .asRecorded, configuration: MySQLDecoderConfiguration = .default,
                mutate: ((inout [UInt8], inout SplitMix64) -> Void)? = nil, seed: UInt64 = 1,
                gaps: Set<Int> = [])
        -> (records: [MySQLCommandRecord], decoders: [Int: MySQLConnectionDecoder]) {
        var records: [MySQLCommandRecord] = []
        var decoders: [Int: MySQLConnectionDecoder] = [:]
        for (index, info) in connections {
            let decoder = MySQLConnectionDecoder(connection: info, configuration: configuration) { records.append($0) }
            // Plaintext fixtures of TLS connections (`tls/*.plaintext.chunks.gz`) go on after
            // the SSLRequest with the decrypted bytes, as a TLS decoder would hand them over.
            decoder.onTLS = { outer in outer.tlsConsumer = MySQLConnectionDecoder(continuing: outer) }
            decoders[index] = decoder
        }
        var rng = SplitMix64(seed: seed)
        var splitRNG: SplitMix64
        switch split {
        case .random(let s), .merged(let s): splitRNG = SplitMix64(seed: s)
        default: splitRNG = SplitMix64(seed: 0)
        }
        var events = self.events
        if case .merged = split { events = StreamFixture.merge(events) }
        for (eventIndex, event) in events.enumerated() {
            switch event {
            case let .data(stream, direction, time, original):
                guard let decoder = decoders[stream] else { continue }
                if gaps.contains(eventIndex) {
                    decoder.gap(original.count, direction: direction, at: time)
                    continue
                }
                var bytes = original
                mutate?(&bytes, &rng)
                bytes.withUnsafeBytes { raw in
                    switch split {
                    case .asRecorded:
                        decoder.receive(raw, direction: direction, at: time)
                    case .byteByByte:
                        for i in 0..<raw.count {
                            decoder.receive(UnsafeRawBufferPointer(rebasing: raw[i..<(i + 1)]), direction: direction, at: time)
                        }
                    case .random, .merged:
                        var i = 0
                        while i < raw.count {
                            let n = Int.random(in: 1...max(1, min(raw.count - i, 300)), using: &splitRNG)
                            decoder.receive(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)]), direction: direction, at: time)
                            i += n
                        }
                    }
                }
            case let .close(stream, time):
                decoders[stream]?.close(reason: .fin, statistics: ConnectionStatistics(), at: time)
            }
        }
        return (records, decoders)
    }

    /// Index of the first data event of `direction` whose bytes contain `text`.
    func eventIndex(containing text: String, direction: FlowDirection) -> Int? {
        let needle = Array(text.utf8)
        return events.firstIndex { event in
            guard case let .data(_, d, _, bytes) = event, d == direction, bytes.count >= needle.count else { return false }
            return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
    }

    /// Joins consecutive data chunks of the same stream and direction (the first time kept).
    static func merge(_ events: [Event]) -> [Event] {
        var out: [Event] = []
        for event in events {
            if case let .data(s, d, _, b) = event, case let .data(ps, pd, pt, pb)? = out.last, ps == s, pd == d {
                out[out.count - 1] = .data(stream: s, direction: d, time: pt, bytes: pb + b)
            } else {
                out.append(event)
            }
        }
        return out
    }
}

enum FixtureError: Error { case badFormat(String) }

struct ByteCursor {
    var bytes: [UInt8]
    var offset: Int
    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func le(_ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<n where offset + i < bytes.count { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += n
        return v
    }
    mutating func u16() -> UInt16 { UInt16(le(2)) }
    mutating func u32() -> UInt32 { UInt32(le(4)) }
    mutating func i64() -> Int64 { Int64(bitPattern: le(8)) }
    mutating func bytes(_ n: Int) -> [UInt8] {
        let end = min(offset + n, bytes.count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
    mutating func string() -> String {
        let n = Int(u8() ?? 0)
        return String(decoding: bytes(n), as: UTF8.self)
    }
}

