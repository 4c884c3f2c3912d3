import CaptureIO
import Foundation
import PacketDecoding
import Testing
@testable import Reassembly

/// The captures written by Fixtures/captures/reassembly/make_fixtures.py, each one a
/// situation real captures meet. Expected bytes are rebuilt from the script's patterns.
@Suite struct CraftedCaptureTests {
    /// The script's `pattern(tag, n)`: tag, a six-digit counter and ';', repeated.
    static func pattern(_ tag: String, _ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while out.count < count {
            let number = String(index)
            out += Array((tag + String(repeating: "0", count: max(0, 6 - number.count)) + number + ";").utf8)
            index += 1
        }
        return Array(out.prefix(count))
    }

    static func run(_ name: String) throws -> Harness? {
        let path = CaptureFiles.fixture(name)
        guard CaptureFiles.exists(path) else { return nil }
        let harness = Harness()
        _ = try CaptureFiles.reassemble(path, into: harness.reassembler)
        return harness
    }

    /// tshark's tcp.stream of every TCP packet, to check our numbering; nil without tshark.
    static func tsharkStreams(_ name: String) -> [Int]? {
        guard let tshark = CaptureFiles.tshark,
              let out = CaptureFiles.run(tshark, ["-r", CaptureFiles.fixture(name), "-T", "fields", "-e", "tcp.stream"])
        else { return nil }
        return out.split(separator: "\n").compactMap { Int($0) }
    }

    @Test func captureStartingMidConnection() throws {
        guard let harness = try Self.run("midstream.pcap") else { return }
        #expect(harness.streams.count == 1)
        let stream = try #require(harness.stream(0))
        #expect(stream.connection.sawHandshake == false)
        // No SYN: the watched port 9292 names the server.
        #expect(stream.connection.client.description == "10.0.0.1:40001")
        #expect(stream.connection.server.description == "10.0.0.2:9292")
        #expect(stream.bytes[0] == Self.pattern("REQ", 3000))
        #expect(stream.bytes[1] == Self.pattern("RSP", 2500))
        #expect(stream.missing == [0, 0])
        #expect(stream.closeReason == .fin)
        // Both FINs are reported, each after its direction's bytes.
        let finished = stream.events.compactMap { if case .finished(let d, _) = $0 { return d } else { return nil } }
        #expect(finished == [.clientToServer, .serverToClient])
        // Each chunk carries the time of the packet that carried its first byte (1 ms apart).
        if case .data(_, let first, let time) = stream.events.first {
            #expect(first.count == 1000)
            #expect(time.nanoseconds == 1_700_000_000_001_000_000)
        }
    }

    @Test func fourTupleReusedByANewSYN() throws {
        guard let harness = try Self.run("reused.pcap") else { return }
        #expect(harness.reassembler.totals.connections == 2)
        let first = try #require(harness.stream(0))
        let second = try #require(harness.stream(1))
        #expect(first.bytes == [Array("first request".utf8), Array("first response".utf8)])
        #expect(first.closeReason == .fin)
        #expect(second.bytes == [Array("second request".utf8), Array("second response, across the wrap".utf8)])
        #expect(second.closeReason == .reset)
        #expect(second.statistics?.resets == 1)
        #expect(first.connection.client == second.connection.client)
        if let streams = Self.tsharkStreams("reused.pcap") {
            #expect(Set(streams) == [0, 1])
            #expect(streams.filter { $0 == 0 }.count == 9)
        }
    }

    @Test func captureEndingMidTransfer() throws {
        guard let harness = try Self.run("ends-midtransfer.pcap") else { return }
        let stream = try #require(harness.stream(0))
        // The client's sequence numbers wrap past 2^32 during the upload.
        #expect(stream.bytes[0] == Self.pattern("UPL", 10 * 1448))
        #expect(stream.bytes[1].isEmpty)
        #expect(stream.closeReason == .endOfCapture)
        #expect(stream.missing == [0, 0])
    }

    @Test func segmentsMissingFromTheCapture() throws {
        guard let harness = try Self.run("lost.pcap") else { return }
        let stream = try #require(harness.stream(0))
        let body = Self.pattern("LOS", 4000)
        let check = replay(stream, direction: .clientToServer, against: body)
        #expect(check.consistent)
        // Segments 3 and 6 (500 bytes each) were never captured; segment 8 kept 100 of 500.
        #expect(check.missing == 1400)
        #expect(check.delivered == 2600)
        let gaps = stream.events.compactMap { if case .gap(_, let n, let t) = $0 { return (n, t) } else { return nil } }
        #expect(gaps.map(\.0) == [500, 500, 400])
        // The first gap is known when the server's ACK covers the missing bytes (packet 8).
        #expect(gaps.first?.1.nanoseconds == 1_700_000_000_008_000_000)
        #expect(stream.bytes[1] == Array("thanks".utf8))
        #expect(stream.closeReason == .fin)
        // The 400 bytes the snap length cut were on the wire: not lost, counted apart.
        #expect(harness.reassembler.totals.gaps == 2)
        #expect(harness.reassembler.totals.missingBytes == 1000)
        #expect(harness.reassembler.totals.bytesNotCaptured == 400)
    }
}
