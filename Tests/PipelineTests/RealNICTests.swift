import Analysis
import CaptureIO
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// What a capture taken on a real NIC adds to the test bed's veth recording: an 802.1Q tag on
/// every frame (an internal API network on a VLAN) and TCP checksums the capturing host left
/// to the NIC (wrong in the capture). Neither may change the story.
@Suite struct RealNICTests {
    /// Rewrites `input` (Ethernet) with a VLAN tag after the MAC addresses and a TCP checksum
    /// that cannot be right (its complement), as an offloading host's capture holds them.
    static func tagged(_ input: String, into output: String) throws {
        let reader = try openCapture(path: input)
        let writer = try PcapFileWriter(path: output, linkType: .ethernet, snapLength: reader.info.snapLength,
                                        precision: reader.info.precision)
        var frame: [UInt8] = []
        while let record = try reader.next() {
            frame.removeAll(keepingCapacity: true)
            frame.append(contentsOf: record.bytes.prefix(12))
            frame.append(contentsOf: [0x81, 0x00, 0x00, 0x65])  // VLAN 101, priority 0
            frame.append(contentsOf: record.bytes.dropFirst(12))
            // IPv4 at 18: header length from its first byte; TCP checksum 16 bytes into TCP.
            if frame.count > 18 + 20, frame[16] == 0x08, frame[17] == 0x00, frame[27] == 6 {
                let checksum = 18 + Int(frame[18] & 0x0F) * 4 + 16
                if checksum + 1 < frame.count {
                    frame[checksum] = ~frame[checksum]
                    frame[checksum + 1] = ~frame[checksum + 1]
                }
            }
            try frame.withUnsafeBytes { try writer.write(record, bytes: $0, originalLength: record.originalLength + 4) }
        }
        try writer.finish()
    }

    @Test func vlanTagsAndOffloadedChecksumsChangeNothing() throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = TestbedCaptures.directory("r-veth-lossy")
        let api = scenario.appendingPathComponent("api.pcap.gz").path, db = scenario.appendingPathComponent("db.pcap.gz").path
        let tagged = directory.appendingPathComponent("api-vlan.pcap").path
        try Self.tagged(api, into: tagged)
        var options = CaptureAnalysis.Options()
        options.timeOffsets = [api: 0, db: 0, tagged: 0]
        let plain = try CaptureAnalysis(options: options).run(paths: [api, db])
        let onVLAN = try CaptureAnalysis(options: options).run(paths: [tagged, db])
        var a = try JSONDifference.object(AnalysisJSON.document(plain).serialized())
        var b = try JSONDifference.object(AnalysisJSON.document(onVLAN).serialized())
        a["captures"] = nil
        b["captures"] = nil
        #expect(JSONDifference.paths(a, b).isEmpty, "\(JSONDifference.paths(a, b).prefix(10))")
        #expect(onVLAN.http.count == 42)
        // The checksums really are wrong: tshark, told to check them, says so.
        guard let tshark = try ExternalTool.runIfInstalled("tshark", ["-r", tagged, "-o", "tcp.check_checksum:TRUE", "-c", "200",
                                                             "-Y", "tcp.checksum.status == 0", "-T", "fields", "-e", "frame.number"]) else { return }
        #expect(tshark.output.split(separator: "\n").count > 100)
    }
}
