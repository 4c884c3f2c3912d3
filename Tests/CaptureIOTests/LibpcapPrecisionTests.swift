import Foundation
@testable import CaptureIO
import Testing

/// Issue 18, item 6: `--reader libpcap` on a nanosecond pcapng reported microseconds and printed
/// its times cut to them. libpcap hands out nanoseconds when asked but does not say what the file
/// holds; the first interface's `if_tsresol` does.
struct LibpcapPrecisionTests {
    static func pcapng(tsresol: UInt8?) -> [UInt8] {
        var b = PcapngBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, snapLength: 0, tsresol: tsresol)
        let units: UInt64 = tsresol == 9 ? 1_600_000_000_123_456_789 : 1_600_000_000_123_456
        b.enhancedPacket(interface: 0, timestamp: units, data: PcapngBuilder.frame(60, seed: 1))
        return b.bytes
    }

    @Test(arguments: [(UInt8?.some(9), TimestampPrecision.nanoseconds), (nil, .microseconds), (6, .microseconds)])
    func libpcapReportsThePrecisionOfTheFile(tsresol: UInt8?, precision: TimestampPrecision) throws {
        let directory = CaptureFiles.temporaryDirectory("precision")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("one.pcapng").path
        CaptureFiles.write(Self.pcapng(tsresol: tsresol), to: path)
        let libpcap = try LibpcapReader(path: path)
        let native = try openCapture(path: path, reader: .native)
        #expect(libpcap.info.precision == precision)
        #expect(libpcap.info.precision == native.info.precision, "both readers say the same")
        let a = try #require(try libpcap.next()).timestamp
        let b = try #require(try native.next()).timestamp
        #expect(a == b)
        #expect(a.rfc3339(precision: libpcap.info.precision).hasSuffix(precision == .nanoseconds ? ".123456789Z" : ".123456Z"))
    }

    @Test func theProbeReadsTheFirstInterfaceOnly() {
        #expect(PcapngResolutionProbe.unitsPerSecond(head: Self.pcapng(tsresol: 9)) == 1_000_000_000)
        #expect(PcapngResolutionProbe.unitsPerSecond(head: Self.pcapng(tsresol: nil)) == 1_000_000)
        #expect(PcapngResolutionProbe.unitsPerSecond(head: Self.pcapng(tsresol: 0x89)) == 512)
        #expect(PcapngResolutionProbe.unitsPerSecond(head: Array(Self.pcapng(tsresol: 9).prefix(30))) == nil)
        #expect(PcapngResolutionProbe.unitsPerSecond(head: [0xd4, 0xc3, 0xb2, 0xa1] + Array(repeating: 0, count: 40)) == nil)
    }

    /// A pipe's head is read by the probe's walk: a pcapng up to the end of its first interface
    /// block and not into its packets, a pcap for its magic alone; the relay then hands on every
    /// byte, the head included.
    @Test(arguments: [true, false])
    func aPipesHeadEndsWithTheFirstInterface(pcapng: Bool) throws {
        let capture = pcapng ? Self.pcapng(tsresol: 9) : [0x4d, 0x3c, 0xb2, 0xa1] + Array(repeating: 0, count: 40)
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        try #require(capture.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) } == capture.count)
        close(ends[1])
        let relay = try #require(StreamRelay(input: ends[0]))
        defer { close(relay.readDescriptor) }
        if pcapng {
            // Section header block, then the interface block: each says its length at offset 4.
            let section = Int(capture[4]) | Int(capture[5]) << 8
            let interface = Int(capture[section + 4]) | Int(capture[section + 5]) << 8
            #expect(relay.prefix == Array(capture.prefix(section + interface)))
            #expect(relay.prefix.count < capture.count)
            #expect(PcapngResolutionProbe.unitsPerSecond(head: relay.prefix) == 1_000_000_000)
        } else {
            #expect(relay.prefix == Array(capture.prefix(4)))
        }
        var relayed: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let n = chunk.withUnsafeMutableBytes({ read(relay.readDescriptor, $0.baseAddress, $0.count) }), n > 0 {
            relayed += chunk.prefix(n)
        }
        #expect(relayed == capture)
    }
}
