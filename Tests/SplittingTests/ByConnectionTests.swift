import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Splitting

/// --by-connection: clean cuts split no connection; cuts forced by the cap fall between exchanges.
@Suite struct ByConnectionTests {
    @Test("Short connections: each piece holds whole connections and every cut is clean")
    func shortConnections() throws {
        var capture = TCPConversationCapture()
        // Two overlapping connections, then three one after another: 12 packets each.
        capture.open(client: 40001, server: 3306)
        capture.open(client: 40002, server: 3306)
        capture.close(client: 40001, server: 3306)
        capture.close(client: 40002, server: 3306)
        for port in UInt16(40003)...40005 {
            capture.connection(client: port, server: 9292, exchanges: [(Array("ping".utf8), Array("pong".utf8))])
        }
        let scratch = try SplitTestSupport.scratchDirectory("byconn")
        defer { SplitTestSupport.remove(scratch) }
        try capture.data.write(to: URL(fileURLWithPath: "\(scratch)/in.pcap"))
        try FileManager.default.createDirectory(atPath: "\(scratch)/out", withIntermediateDirectories: true)
        let summary = try SplitTestSupport.split("\(scratch)/in.pcap", "\(scratch)/out/o.pcap") {
            $0.boundary = .packets(5)
            $0.byConnection = true
        }
        // The overlapping pair (12 packets) stays together; then one connection (9) per piece.
        #expect(summary.pieces.map(\.packets) == [12, 9, 9, 9])
        #expect(summary.pieces.dropLast().allSatisfy { $0.cut == .clean })
    }

    @Test("Shared captures: a connection spans a cut only at a between-exchanges cut, with nothing in flight (tshark)")
    func sharedCaptures() throws {
        guard let tshark = ExternalTool.path("tshark") else { return }
        for scenario in ProjectPaths.sharedScenarios {
            guard let input = SplitTestSupport.sharedCapture(scenario) else { continue }
            let scratch = try SplitTestSupport.scratchDirectory("byconn-\(scenario)")
            defer { SplitTestSupport.remove(scratch) }
            let summary = try SplitTestSupport.split(input, "\(scratch)/o.pcap") {
                $0.boundary = .packets(150)
                $0.byConnection = true
            }
            #expect(summary.pieces.count > 1)
            #expect(summary.pieces.allSatisfy { $0.packets <= 8 * 150 + 1 })
            // Per frame: stream, relative seq end, ack, and whether it goes to the lower port.
            let rows = try ExternalTool.run(tshark, ["-r", input, "-T", "fields", "-E", "separator=,",
                                                         "-e", "tcp.stream", "-e", "tcp.nxtseq", "-e", "tcp.ack",
                                                         "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags.ack"])
                .output.split(separator: "\n", omittingEmptySubsequences: false).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            var first = 0
            for piece in summary.pieces.dropLast() {
                let cut = first + piece.packets
                let before = Set(rows[first..<cut].compactMap { $0.first.flatMap { Int($0) } })
                let after = Set(rows[cut...].compactMap { $0.first.flatMap { Int($0) } })
                let spanning = before.intersection(after)
                if piece.cut == .clean { #expect(spanning.isEmpty, "\(scenario): clean cut at \(cut) splits \(spanning)") }
                if piece.cut == .betweenExchanges {
                    for stream in spanning {
                        #expect(Self.quiescent(rows[..<cut], stream: stream), "\(scenario): stream \(stream) has data in flight at cut \(cut)")
                    }
                }
                first = cut
            }
        }
    }

    /// All data each side of `stream` sent before the cut is acknowledged by the other side.
    static func quiescent(_ rows: ArraySlice<[String]>, stream: Int) -> Bool {
        var sent: [Bool: Int] = [:], acked: [Bool: Int] = [:]
        for row in rows where row.count >= 6 && Int(row[0]) == stream {
            guard let sport = Int(row[3]), let dport = Int(row[4]) else { continue }
            let fromLow = sport < dport
            if let next = Int(row[1]) { sent[fromLow] = max(sent[fromLow] ?? 0, next) }
            if row[5] == "1", let ack = Int(row[2]) { acked[!fromLow] = max(acked[!fromLow] ?? 0, ack) }
        }
        return [true, false].allSatisfy { side in (sent[side] ?? 0) <= (acked[side] ?? 0) || sent[side] == nil }
    }
}
