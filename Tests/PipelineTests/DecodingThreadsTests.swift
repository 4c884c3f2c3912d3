import Analysis
import CaptureIO
import Foundation
import TestSupport
import Testing

/// Without `--threads`, small records (API calls, queries) get the cores and bulk records one
/// thread (`DecodingThreads.automatic`).
@Suite struct DecodingThreadsTests {
    /// A pcap of `count` records of `length` bytes each.
    static func capture(records count: Int, length: Int, name: String) throws -> String {
        var writer = PcapWriter()
        let frame = [UInt8](repeating: 0x45, count: length)
        for i in 0..<count { writer.append(frame, microseconds: 1_700_000_000_000_000 + Int64(i)) }
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent(name).path
        try writer.write(to: path)
        return path
    }

    @Test func smallRecordsAreDecodedOnEveryCore() throws {
        let path = try Self.capture(records: 2000, length: 300, name: "threads-small.pcap")
        #expect(DecodingThreads.automatic(paths: [path], reader: .native, cores: 4) == 4)
        #expect(DecodingThreads.automatic(paths: [path], reader: .libpcap, cores: 2) == 2)
        // One core: no worker to give the connections to.
        #expect(DecodingThreads.automatic(paths: [path], reader: .native, cores: 1) == 1)
    }

    @Test func bulkRecordsStayOnTheReadingThread() throws {
        let path = try Self.capture(records: 500, length: 1500, name: "threads-bulk.pcap")
        #expect(DecodingThreads.automatic(paths: [path], reader: .native, cores: 4) == 1)
        // The rule is on the mean: 496 + 16 bytes a record is no longer small.
        let edge = try Self.capture(records: 100, length: 496, name: "threads-edge.pcap")
        #expect(DecodingThreads.automatic(paths: [edge], reader: .native, cores: 2) == 1)
        let under = try Self.capture(records: 100, length: 495, name: "threads-under.pcap")
        #expect(DecodingThreads.automatic(paths: [under], reader: .native, cores: 2) == 2)
    }

    @Test func streamsEmptyAndUnreadableCapturesGetOneThread() throws {
        #expect(DecodingThreads.automatic(paths: [CaptureInput.standardInput], reader: .native, cores: 2) == 1)
        #expect(DecodingThreads.automatic(paths: ["/nonexistent/capture.pcap"], reader: .native, cores: 2) == 1)
        let empty = try Self.capture(records: 0, length: 0, name: "threads-empty.pcap")
        #expect(DecodingThreads.automatic(paths: [empty], reader: .native, cores: 2) == 1)
        #expect(DecodingThreads.automatic(paths: [], reader: .native, cores: 2) == 1)
    }
}
