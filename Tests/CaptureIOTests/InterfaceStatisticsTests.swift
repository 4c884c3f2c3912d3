import CaptureIO
import Foundation
import TestSupport
import Testing

/// pcapng Interface Statistics Blocks: the capture's own counters, read into
/// `interfaceStatistics` (the last block per interface), malformed ones skipped.
@Suite struct InterfaceStatisticsTests {
    @Test("ISB counters per interface, the later block replacing the earlier, both byte orders")
    func handWritten() throws {
        for bigEndian in [false, true] {
            var builder = PcapngBuilder()
            builder.section(bigEndian: bigEndian)
            builder.interface(linkType: 1, snapLength: 262_144, name: "eth0")
            builder.interface(linkType: 1, snapLength: 262_144, name: "eth1")
            builder.enhancedPacket(interface: 0, timestamp: 1_000_000, data: PcapngBuilder.frame(60, seed: 1))
            builder.statistics(interface: 0, timestamp: 1_500_000, counters: [(4, 10), (5, 1)])
            builder.enhancedPacket(interface: 1, timestamp: 2_000_000, data: PcapngBuilder.frame(60, seed: 2))
            builder.statistics(interface: 0, timestamp: 3_000_000, counters: [(4, 1000), (5, 7), (6, 990), (7, 5), (8, 978)])
            builder.statistics(interface: 1, timestamp: 3_000_000, counters: [(4, 20)])
            // Claims interface 9, which the section does not describe: skipped, not fatal.
            builder.statistics(interface: 9, timestamp: 3_000_000, counters: [(5, 99)])
            let dir = CaptureFiles.temporaryDirectory("isb")
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("isb.pcapng").path
            CaptureFiles.write(builder.bytes, to: path)
            let reader = try NativeCaptureReader(path: path)
            var packets = 0
            while try reader.next() != nil { packets += 1 }
            #expect(packets == 2)
            #expect(reader.warning == nil)
            #expect(reader.interfaceStatistics == [
                InterfaceStatistics(interface: 0, received: 1000, interfaceDrops: 7, filterAccepted: 990, osDrops: 5, delivered: 978),
                InterfaceStatistics(interface: 1, received: 20),
            ])
            #expect(reader.interfaceStatistics.map(\.drops) == [12, nil])
            // libpcap's reader has no access to the blocks: it reports none rather than guessing.
            let libpcap = try LibpcapReader(path: path)
            while try libpcap.next() != nil {}
            #expect(libpcap.interfaceStatistics.isEmpty)
        }
    }

    /// dumpcap writes an ISB when it stops; its counters are the ones it prints on stderr
    /// ("Packets received/dropped on interface '...': R/D"). Needs root to capture on lo.
    @Test func writtenByDumpcap() throws {
        guard getuid() == 0, let dumpcap = ExternalTool.path("dumpcap") else {
            print("skipped: dumpcap is not installed or not root")
            return
        }
        let dir = CaptureFiles.temporaryDirectory("dumpcap-isb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("lo.pcapng").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dumpcap)
        process.arguments = ["-i", "lo", "-a", "duration:1", "-f", "tcp port 9", "-w", path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = stderr.split(separator: "\n").first(where: { $0.contains("received/dropped") }),
              let figures = line.split(separator: " ").first(where: { $0.contains("/") && $0.first?.isNumber == true }) else {
            print("skipped: dumpcap could not capture: \(stderr)")
            return
        }
        let numbers = figures.split(separator: "/").compactMap { UInt64($0) }
        let reader = try NativeCaptureReader(path: path)
        while try reader.next() != nil {}
        let statistics = try #require(reader.interfaceStatistics.first)
        #expect(statistics.received == numbers.first)
        #expect(statistics.interfaceDrops == numbers.last)
    }
}
