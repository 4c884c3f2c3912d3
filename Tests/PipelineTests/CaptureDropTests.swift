import Analysis
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// A capture that says it dropped packets (pcapng ISB `isb_ifdrop`, `isb_osdrop`) is reported
/// with its counters and a warning: gaps may be the capture's own.
@Suite struct CaptureDropTests {
    /// An Interface Statistics Block, little-endian (as the fixture's section), for interface 0.
    static func statisticsBlock(ifdrop: UInt64, osdrop: UInt64) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let options = [UInt8]([5, 0, 8, 0]) + u64(ifdrop) + [7, 0, 8, 0] + u64(osdrop) + [0, 0, 0, 0]
        let body = u32(0) + u32(0) + u32(0) + options
        let length = UInt32(12 + body.count)
        return u32(5) + u32(length) + body + u32(length)
    }

    @Test func dropCountersAreReportedAndWarnedAbout() throws {
        let fixture = try #require(TestbedCaptures.fixtureCapture("h-pcapng"))
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dropped.pcapng").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture)) + Self.statisticsBlock(ifdrop: 7, osdrop: 5)
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try CaptureAnalysis(options: .init()).run(paths: [path])
        #expect(result.captures[0].droppedByCapture?.total == 12)
        #expect(result.warnings.contains { $0.contains("the capture itself dropped 12 packets (interface statistics: ifdrop 7, osdrop 5)") },
                "\(result.warnings)")
        let document = try JSONDifference.object(AnalysisJSON.document(result).serialized())
        let capture = try #require((document["captures"] as? [[String: Any]])?.first)
        let drops = try #require(capture["dropped_by_capture"] as? [String: Any])
        #expect(drops["ifdrop"] as? Int == 7 && drops["osdrop"] as? Int == 5 && drops["total"] as? Int == 12)

        // The fixture as dumpcap wrote it has no statistics block: null, and no warning.
        let plain = try CaptureAnalysis(options: .init()).run(paths: [fixture])
        #expect(plain.captures[0].droppedByCapture == nil)
        #expect(!plain.warnings.contains { $0.contains("dropped") })
    }
}
