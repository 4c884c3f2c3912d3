import Analysis
import CaptureIO
import Foundation
@testable import Reports
import TestSupport
import Testing
import Timeline

/// Issue 25: `info` reads a large pcap file in ranges on two threads. Whatever the split
/// points, its output must be the one-thread walk's, byte for byte: the counts, the times, the
/// time order, the TCP connections per port, the warning of a damaged end.
struct RangeSurveyTests {
    /// (chunk length, segments logged per chunk, chunks walked ahead): small chunks so that
    /// fixtures of a few hundred kilobytes are cut many times.
    static let splits: [(Int, Int, Int)] = [
        (512, 1 << 20, 4), (2048, 7, 1), (300, 3, 2), (10_000, 64, 8), (128, 5, 3), (40_000, 1 << 20, 1),
    ]

    static func ranged(_ split: (Int, Int, Int), log: RangeLog? = nil) -> CaptureSurvey {
        var survey = CaptureSurvey(watchedPorts: OpenStackPorts.watchedByDefault, readerKind: .native)
        survey.parallelThreshold = 0
        survey.chunkBytes = split.0
        survey.maxLoggedSegments = split.1
        survey.maxChunksAhead = split.2
        survey.meetsOtherThread = true
        survey.rangeLog = log
        return survey
    }

    /// Both of `info`'s outputs.
    static func outputs(_ summary: CaptureSummary) -> String {
        InfoReport.text(summary) + InfoReport.json(summary).serialized()
    }

    /// One processor: `info` walks every file once, so the splits cannot be checked here.
    static var oneProcessor: Bool { JoinableThread.processorCount < 2 }

    static func expectRangesMatch(_ path: String, mustSplit: Bool = true) throws -> RangeLog {
        let sequential = outputs(try CaptureSurvey(watchedPorts: OpenStackPorts.watchedByDefault, readerKind: .native)
            .runSequentially(path: path))
        let log = RangeLog()
        for split in splits {
            let ranged = outputs(try ranged(split, log: log).run(path: path))
            #expect(ranged == sequential, "split \(split) of \(path)")
        }
        if mustSplit && !oneProcessor {
            #expect(log.merged > 0 && log.mergedRecords > 0, "no range of \(path) was merged")
            #expect(log.partial > 0, "no chunk of \(path) was shared by both threads")
        }
        return log
    }

    static let fixtures = [
        "a-seed-slim.pcap", "e-lifecycle-slim.pcap", "reassembly/reused.pcap", "reassembly/midstream.pcap",
        "reassembly/ends-midtransfer.pcap", "reassembly/lost.pcap", "testbed/c-concurrent/capture.pcap",
        "testbed/d-failed/capture.pcap", "testbed/h-any-sll2/capture.pcap", "testbed/p-attribution/capture.pcap",
        "testbed/u-swift-store/capture.pcap", "testbed/s-mysql-proxy/capture.pcap",
        "../peers/packetbeat/http_100_continue.pcap",   // TCP over IPv6 (loopback ::1)
    ]

    @Test(arguments: fixtures)
    func rangesGiveTheOneWalksOutput(_ fixture: String) throws {
        let path = ProjectPaths.fixture("captures/" + fixture)
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("fixture \(fixture) is missing")
            return
        }
        _ = try Self.expectRangesMatch(path)
    }

    /// The threads left to their own pace (as in use): whoever reaches a chunk first, and
    /// wherever a cede lands, the output is the one walk's.
    @Test func freeRunningThreadsGiveTheOneWalksOutput() throws {
        let path = ProjectPaths.fixture("captures/testbed/c-concurrent/capture.pcap")
        let sequential = Self.outputs(try CaptureSurvey(watchedPorts: OpenStackPorts.watchedByDefault, readerKind: .native)
            .runSequentially(path: path))
        for (round, chunk) in [700, 3000, 9000, 1500, 20_000, 5000].enumerated() {
            let log = RangeLog()
            var survey = Self.ranged((chunk, round % 2 == 0 ? 1 << 20 : 11, 1 + round % 3), log: log)
            survey.meetsOtherThread = false
            #expect(Self.outputs(try survey.run(path: path)) == sequential, "chunks of \(chunk)")
            #expect(log.ranInChunks || Self.oneProcessor, "the chunked walk did not run")
        }
    }

    /// A record too long to be one (damage) at 40% of the file: both walks stop there with the
    /// same warning, however far ahead the other thread was, and the walk ends.
    @Test func damageInTheMiddleStopsBothThreadsAlike() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ProjectPaths.fixture("captures/testbed/c-concurrent/capture.pcap"))))
        var offset = 24
        while offset < bytes.count * 2 / 5 {
            let captured = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16 | Int(bytes[offset + 11]) << 24
            offset += 16 + captured
        }
        for (index, byte) in [UInt8](TCPFrame.littleEndian32(40 << 20)).enumerated() { bytes[offset + 8 + index] = byte }
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent("range-damaged.pcap").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        _ = try Self.expectRangesMatch(path)
        for chunk in [500, 4000] {
            var survey = Self.ranged((chunk, 1 << 20, 1))
            survey.meetsOtherThread = false
            let summary = try survey.run(path: path)
            #expect(summary.warning?.offset == offset, "chunks of \(chunk)")
        }
    }

    /// A TCP segment in two IPv4 fragments in the middle of the file: the decoder joins them
    /// across records, which a range cannot, so the file is walked once; same output.
    @Test func fragmentsSendTheFileBackToOneWalk() throws {
        var pcap = PcapWriter(linkType: 1, snapLength: 65535)
        let client: [UInt8] = [10, 0, 0, 1], server: [UInt8] = [10, 0, 0, 2]
        var time: Int64 = 1_700_000_000_000_000
        for connection in 0..<40 {
            let port = UInt16(41_000 + connection)
            var frames = [
                TCPFrame.ethernetIPv4(source: client, sourcePort: port, destination: server, destinationPort: 9292, sequence: 99, flags: TCPFrame.syn),
                TCPFrame.ethernetIPv4(source: server, sourcePort: 9292, destination: client, destinationPort: port,
                                      sequence: 500, acknowledgement: 100, flags: TCPFrame.syn | TCPFrame.ack),
            ]
            let request = TCPFrame.ethernetIPv4(source: client, sourcePort: port, destination: server, destinationPort: 9292, sequence: 100,
                                                acknowledgement: 501, flags: TCPFrame.ack | TCPFrame.psh, payload: [UInt8](repeating: 65, count: 600))
            if connection == 20 {
                frames += Self.fragments(of: request, splitAt: 24)
            } else {
                frames.append(request)
            }
            for frame in frames {
                time += 1000
                pcap.append(frame, microseconds: time)
            }
        }
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent("range-fragments.pcap").path
        try pcap.write(to: path)
        let sequential = try CaptureSurvey(watchedPorts: OpenStackPorts.watchedByDefault, readerKind: .native).runSequentially(path: path)
        #expect(sequential.connectionsByPort == [9292: 40])
        let log = try Self.expectRangesMatch(path, mustSplit: false)
        #expect(log.ranInChunks || Self.oneProcessor)
    }

    /// An Ethernet/IPv4 frame's datagram as two fragments, the first carrying `splitAt` bytes
    /// (a multiple of 8) of the IP payload.
    static func fragments(of frame: [UInt8], splitAt: Int) -> [[UInt8]] {
        let header = Array(frame[0..<34]), payload = Array(frame[34...])
        func fragment(_ part: ArraySlice<UInt8>, offset: Int, more: Bool) -> [UInt8] {
            var ip = Array(header[14..<34])
            let total = 20 + part.count
            ip[2] = UInt8(total >> 8); ip[3] = UInt8(total & 0xff)
            let field = (more ? 0x2000 : 0) | offset / 8
            ip[6] = UInt8(field >> 8); ip[7] = UInt8(field & 0xff)
            let checksum = TCPFrame.ipv4Checksum(ip[...])
            ip[10] = UInt8(checksum >> 8); ip[11] = UInt8(checksum & 0xff)
            return Array(header[0..<14]) + ip + part
        }
        return [fragment(payload[..<splitAt], offset: 0, more: true), fragment(payload[splitAt...], offset: splitAt, more: false)]
    }

    /// pcapng and gzip files are walked by one thread; the output is the same either way.
    @Test(arguments: ["testbed/h-pcapng/capture.pcapng", "testbed/r-veth-lossy/api.pcap.gz"])
    func otherFormatsAreWalkedOnce(_ fixture: String) throws {
        let log = try Self.expectRangesMatch(ProjectPaths.fixture("captures/" + fixture), mustSplit: false)
        #expect(log.merged == 0 && log.discarded == 0)
    }

    /// A capture cut inside its last record: the truncation warning, at the same offset.
    @Test func aTruncatedLastRecordGivesTheSameWarning() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ProjectPaths.fixture("captures/testbed/c-concurrent/capture.pcap")))
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent("range-truncated.pcap").path
        try bytes.prefix(bytes.count - 37).write(to: URL(fileURLWithPath: path))
        _ = try Self.expectRangesMatch(path)
        let summary = try Self.ranged(Self.splits[1]).run(path: path)
        #expect(summary.warning?.message.hasPrefix("the file is truncated") == true)
    }

    /// Payloads made of plausible record headers fool the resynchronization: the other thread
    /// starts inside a payload, the walk does not land there, and that range is thrown away.
    @Test func aPayloadOfRecordHeadersIsNotTakenForRecords() throws {
        var fakeHeaders: [UInt8] = []
        for _ in 0..<200 { fakeHeaders += TCPFrame.littleEndian32(1_700_000_000) + TCPFrame.littleEndian32(5) + [UInt8](repeating: 0, count: 8) }
        var pcap = PcapWriter(linkType: 1, snapLength: 65535)
        let client: [UInt8] = [10, 0, 0, 1], server: [UInt8] = [10, 0, 0, 2]
        var time: Int64 = 1_700_000_000_000_000
        for connection in 0..<30 {
            let port = UInt16(40_000 + connection)
            var seq: UInt32 = 1000
            func add(_ frame: [UInt8]) {
                time &+= 1000
                pcap.append(frame, microseconds: time)
            }
            add(TCPFrame.ethernetIPv4(source: client, sourcePort: port, destination: server, destinationPort: 9292,
                                      sequence: seq - 1, flags: TCPFrame.syn))
            add(TCPFrame.ethernetIPv4(source: server, sourcePort: 9292, destination: client, destinationPort: port,
                                      sequence: 5000, acknowledgement: seq, flags: TCPFrame.syn | TCPFrame.ack))
            for _ in 0..<3 {
                add(TCPFrame.ethernetIPv4(source: client, sourcePort: port, destination: server, destinationPort: 9292,
                                          sequence: seq, acknowledgement: 5001, flags: TCPFrame.ack | TCPFrame.psh, payload: fakeHeaders))
                seq &+= UInt32(fakeHeaders.count)
            }
        }
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent("range-fooled.pcap").path
        try pcap.write(to: path)
        let log = try Self.expectRangesMatch(path)
        #expect(log.discarded > 0, "no range started inside a payload: the test does not test the check")
        let summary = try Self.ranged(Self.splits[0]).run(path: path)
        #expect(summary.connectionsByPort == [9292: 30])
    }

    /// Nanosecond pcap files (editcap writes one from a fixture), read by the same walkers.
    @Test func nanosecondFilesAreSplitToo() throws {
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent("range-nanoseconds.pcap").path
        guard let run = try ExternalTool.runIfInstalled("editcap", ["-F", "nsecpcap", ProjectPaths.fixture("captures/testbed/c-concurrent/capture.pcap"), path]),
              run.status == 0 else { return }   // editcap is not installed: nothing to compare
        _ = try Self.expectRangesMatch(path)
        #expect(try Self.ranged(Self.splits[0]).run(path: path).info.precision == .nanoseconds)
    }

    /// A big-endian file (as a big-endian host writes it): every header field swapped.
    @Test func bigEndianFilesAreSplitToo() throws {
        let little = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ProjectPaths.fixture("captures/a-seed-slim.pcap"))))
        let big = PcapWriter.byteSwapped(little)
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent("range-big-endian.pcap").path
        try Data(big).write(to: URL(fileURLWithPath: path))
        _ = try Self.expectRangesMatch(path)
        let summary = try Self.ranged(Self.splits[0]).run(path: path)
        #expect(summary.info.byteOrder == .bigEndian && summary.packets > 100)
    }

    /// Records out of time order on both sides of every split: the count of records earlier
    /// than one before them must not depend on where the file was cut.
    @Test func outOfOrderRecordsAreCountedAcrossSplits() throws {
        var random = SplitMix64(seed: 25)
        var pcap = PcapWriter(linkType: 1, snapLength: 65535)
        let arp = [UInt8](repeating: 0, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)
        var time: Int64 = 1_700_000_000_000_000
        for _ in 0..<3000 {
            time &+= Int64(random.next() % 1000)
            let jitter = random.next() % 4 == 0 ? Int64(random.next() % 5000) : 0
            pcap.append(arp, microseconds: time &- jitter)
        }
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent("range-order.pcap").path
        try pcap.write(to: path)
        _ = try Self.expectRangesMatch(path)
        #expect(try !Self.ranged(Self.splits[0]).run(path: path).isInTimeOrder)
    }
}

extension TCPFrame {
    static func littleEndian32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xff) } }
}
