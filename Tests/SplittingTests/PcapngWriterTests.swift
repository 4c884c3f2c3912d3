import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Splitting

/// The pcapng writer's blocks as Wireshark reads them.
@Suite struct PcapngWriterTests {
    @Test("IDBs keep link type, snaplen, if_name and if_tsresol; a DSB is accepted; times survive in each resolution")
    func interfacesAndSecrets() throws {
        guard let capinfos = ExternalTool.path("capinfos"), let tshark = ExternalTool.path("tshark") else { return }
        let scratch = try SplitTestSupport.scratchDirectory("ngwriter")
        defer { SplitTestSupport.remove(scratch) }
        let path = "\(scratch)/o.pcapng"
        let interfaces = [
            CaptureInterface(linkType: .ethernet, snapLength: 65535, timestampUnitsPerSecond: 1_000_000_000, name: "eth0"),
            CaptureInterface(linkType: .linuxSLL, snapLength: 0, timestampUnitsPerSecond: 1_000_000, name: "any"),
        ]
        let keyLog = Array("CLIENT_RANDOM 00 11\n".utf8)
        let writer = try PcapngFileWriter(path: path, interfaces: [interfaces[0]],
                                          secrets: [DecryptionSecrets(type: DecryptionSecrets.tlsKeyLogType, data: keyLog)])
        let frame = [UInt8](repeating: 0, count: 61)
        try frame.withUnsafeBytes { bytes in
            let time = Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789)
            try writer.write(CaptureRecord(timestamp: time, linkType: .ethernet, interfaceIndex: 0, originalLength: 1500, bytes: bytes))
            // An interface met mid-file is described before its first packet.
            try writer.add(interfaces: interfaces)
            try writer.write(CaptureRecord(timestamp: time, linkType: .linuxSLL, interfaceIndex: 1, originalLength: 61, bytes: bytes))
        }
        try writer.finish()
        let info = try ExternalTool.run(capinfos, ["-M", path])
        #expect(info.status == 0, "\(info.error)")
        #expect(info.output.contains("Number of packets:   2"))
        #expect(info.output.contains("Name = eth0"))
        #expect(info.output.contains("Name = any"))
        #expect(info.output.contains("Time precision = nanoseconds (9)"))
        #expect(info.output.contains("Capture length = 65535"))
        let times = try ExternalTool.run(tshark, ["-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"])
        #expect(times.output == "1700000000.123456789\t1500\t61\n1700000000.123456000\t61\t61\n")
    }
}
