import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Splitting

/// -A/-B, --port and --filter select what editcap, tcpdump and tshark select.
@Suite struct SelectionTests {
    static let input = SplitTestSupport.sharedCapture("e-lifecycle") ?? SplitTestSupport.fixture

    @Test("-A/-B select exactly editcap's packets (bytes identical to editcap -A -B)")
    func timeRange() throws {
        guard let editcap = ExternalTool.path("editcap"), let tshark = ExternalTool.path("tshark") else { return }
        let scratch = try SplitTestSupport.scratchDirectory("range")
        defer { SplitTestSupport.remove(scratch) }
        let times = try SplitTestSupport.packetTimes(tshark, Self.input)
        // Bounds on exact packet times, so inclusive/exclusive ends are tested.
        let start = times[times.count / 4], stop = times[times.count / 2]
        let summary = try SplitTestSupport.split(Self.input, "\(scratch)/ours.pcap") {
            $0.boundary = .packets(1_000_000)
            $0.start = SplitTime.parse(start)
            $0.stop = SplitTime.parse(stop)
        }
        #expect(summary.pieces.count == 1)
        try ExternalTool.run(editcap, ["-F", "pcap", "-A", start, "-B", stop, Self.input, "\(scratch)/editcap.pcap"])
        let ours = FileManager.default.contents(atPath: try #require(summary.pieces.first).path)
        #expect(ours != nil && ours == FileManager.default.contents(atPath: "\(scratch)/editcap.pcap"))
        #expect(summary.packetsWritten > 0 && summary.packetsWritten < summary.packetsRead)
    }

    @Test("--filter 'tcp port 3306' keeps what tcpdump keeps; --port 3306 the same here (TCP only)")
    func bpfFilter() throws {
        guard let tcpdump = ExternalTool.path("tcpdump") else { return }
        let scratch = try SplitTestSupport.scratchDirectory("bpf")
        defer { SplitTestSupport.remove(scratch) }
        let filtered = try SplitTestSupport.split(Self.input, "\(scratch)/bpf.pcap") {
            $0.boundary = .packets(1_000_000)
            $0.filter = "tcp port 3306"
        }
        let byPort = try SplitTestSupport.split(Self.input, "\(scratch)/port.pcap") {
            $0.boundary = .packets(1_000_000)
            $0.ports = [3306]
        }
        try ExternalTool.run(tcpdump, ["-r", Self.input, "-w", "\(scratch)/tcpdump.pcap", "tcp port 3306"])
        let reference = FileManager.default.contents(atPath: "\(scratch)/tcpdump.pcap")
        // tcpdump writes the same pcap header for this input; compare the records.
        let ours = FileManager.default.contents(atPath: try #require(filtered.pieces.first).path)
        #expect(filtered.packetsWritten > 0 && filtered.packetsWritten < filtered.packetsRead)
        #expect(ours?.dropFirst(24) == reference?.dropFirst(24))
        #expect(byPort.packetsWritten == filtered.packetsWritten)
        if let tshark = ExternalTool.path("tshark") {
            let count = try ExternalTool.run(tshark, ["-r", Self.input, "-Y", "tcp.port == 3306", "-T", "fields", "-e", "frame.number"])
                .output.split(separator: "\n").count
            #expect(count == filtered.packetsWritten)
        }
    }

    @Test("A bad filter is a clear error before any piece is written")
    func badFilter() throws {
        let scratch = try SplitTestSupport.scratchDirectory("badbpf")
        defer { SplitTestSupport.remove(scratch) }
        #expect {
            try SplitTestSupport.split(SplitTestSupport.fixture, "\(scratch)/o.pcap") { $0.filter = "tcp port nonsense" }
        } throws: { error in
            (error as? SplitError)?.message.contains("tcp port nonsense") == true
        }
        #expect(SplitTestSupport.listing(scratch).isEmpty)
    }

    @Test("Nothing selected: one empty capture under OUT itself, as editcap writes for an empty input")
    func nothingSelected() throws {
        let scratch = try SplitTestSupport.scratchDirectory("none")
        defer { SplitTestSupport.remove(scratch) }
        let summary = try SplitTestSupport.split(SplitTestSupport.fixture, "\(scratch)/o.pcap") { $0.ports = [1] }
        #expect(summary.packetsWritten == 0)
        #expect(SplitTestSupport.listing(scratch) == ["o.pcap"])
        #expect(FileManager.default.contents(atPath: "\(scratch)/o.pcap")?.count == 24)
    }
}
