import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import PacketDecoding

/// The decoder over real captures: as many TCP packets as `tshark -Y tcp` shows, and
/// random mutations of real packets never trap.
@Suite struct DecoderCaptureTests {
    static func tsharkCount(_ path: String, filter: String) -> Int? {
        let run = try? ExternalTool.runIfInstalled("tshark", ["-r", path, "-Y", filter, "-T", "fields", "-e", "frame.number"])
        return run.map { $0.output.split(separator: "\n").count }
    }

    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func tcpCountMatchesTshark(scenario: String) throws {
        let path = ProjectPaths.sharedCapture(scenario)
        guard FileManager.default.fileExists(atPath: path), let expected = Self.tsharkCount(path, filter: "tcp") else {
            print("note: \(scenario) capture or tshark absent; skipping")
            return
        }
        let reader = try openCapture(path: path, reader: .libpcap)
        let decoder = PacketDecoder()
        while let record = try reader.next() { _ = decoder.decode(record) }
        #expect(decoder.statistics.tcp == expected)
        #expect(decoder.statistics.ipv4 + decoder.statistics.ipv6 >= expected)
    }

    @Test(arguments: 0..<4)
    func mutatedPacketsNeverTrap(seed: Int) throws {
        let path = ProjectPaths.sharedCapture("a-seed")
        guard FileManager.default.fileExists(atPath: path) else { return }
        var generator = SplitMix64(seed: UInt64(seed))
        func random(_ bound: Int) -> Int { Int(generator.next() % UInt64(max(bound, 1))) }
        let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6, LinkType(rawValue: 999)]
        let reader = try openCapture(path: path, reader: .libpcap)
        let decoder = PacketDecoder()
        var count = 0
        while let record = try reader.next(), count < 600 {
            count += 1
            // Keep the headers (where the interesting bugs are) and a little payload.
            var bytes = Array(record.bytes.prefix(200))
            for _ in 0..<(1 + random(6)) where !bytes.isEmpty {
                bytes[random(bytes.count)] = UInt8(truncatingIfNeeded: random(256))
            }
            if random(3) == 0 { bytes = Array(bytes.prefix(random(bytes.count + 1))) }
            let linkType = random(4) == 0 ? linkTypes[random(linkTypes.count)] : record.linkType
            for variant in 0..<2 {
                let fragmentFlip = variant == 1 && bytes.count > 21
                var mutated = bytes
                if fragmentFlip { mutated[20] |= 0x20 }   // pretend to be a fragment
                _ = mutated.withUnsafeBytes { raw in
                    decoder.decode(CaptureRecord(timestamp: record.timestamp, linkType: linkType,
                                                 originalLength: random(2) == 0 ? record.originalLength : random(70_000),
                                                 bytes: raw))
                }
            }
        }
        #expect(decoder.statistics.packets == count * 2)
    }
}
