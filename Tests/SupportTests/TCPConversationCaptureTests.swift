import Foundation
import TestSupport
import Testing

/// The crafted captures are what tshark reads as a clean TCP conversation: right IPv4
/// checksums, sequence and acknowledgement numbers that follow (no "previous segment not
/// captured", no "ACKed unseen segment"), one stream, the packets in order.
struct TCPConversationCaptureTests {
    @Test func tsharkReadsACleanConversation() throws {
        guard let tshark = ExternalTool.path("tshark") else {
            print("tshark not installed: crafted capture check skipped")
            return
        }
        var capture = TCPConversationCapture()
        capture.connection(client: 40000, server: 9292, exchanges: [(Array("ping".utf8), Array("pong!".utf8))])
        capture.send(client: 40001, server: 9292, toServer: true, [UInt8](repeating: 0x61, count: 3000))
        let directory = try ProjectPaths.temporaryDirectory("support")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("crafted.pcap").path
        try capture.write(to: path)
        let run = try ExternalTool.run(tshark, ["-r", path, "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=/t",
                                                "-e", "ip.checksum.status", "-e", "tcp.stream", "-e", "tcp.len", "-e", "tcp.analysis.flags"])
        #expect(run.status == 0, "\(run.error)")
        let rows = run.output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        // 9 packets of the whole connection, then 3 segments (1448 + 1448 + 104) and their ACK.
        #expect(rows.count == 13)
        #expect(rows.allSatisfy { $0.count == 4 && $0[0] == "1" && $0[3].isEmpty }, "\(rows)")
        #expect(rows.prefix(9).allSatisfy { $0.count == 4 && $0[1] == "0" })
        #expect(rows.map { $0.count == 4 ? Int($0[2]) ?? -1 : -1 } == [0, 0, 0, 4, 5, 0, 0, 0, 0, 1448, 1448, 104, 0])
    }
}
