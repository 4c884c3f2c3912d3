import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Splitting

/// The splitter against editcap 4.0: with pcap output the pieces must be byte-identical.
@Suite struct EditcapOracleTests {
    /// Inputs: the committed fixture and every shared capture that is present.
    static let inputs: [String] = [SplitTestSupport.fixture] + ProjectPaths.sharedScenarios.compactMap(SplitTestSupport.sharedCapture)

    /// Splits with us and with `editcap` into two directories and compares names and bytes.
    static func compareWithEditcap(input: String, editcapOptions: [String], label: String,
                                   configure: (inout SplitConfiguration) -> Void) throws {
        guard let editcap = ExternalTool.path("editcap") else {
            print("editcap not installed: skipping \(label)")
            return
        }
        let ours = try SplitTestSupport.scratchDirectory("\(label)-ours")
        let theirs = try SplitTestSupport.scratchDirectory("\(label)-editcap")
        defer {
            SplitTestSupport.remove(ours)
            SplitTestSupport.remove(theirs)
        }
        let summary = try SplitTestSupport.split(input, "\(ours)/piece.pcap", configure)
        let result = try ExternalTool.run(editcap, editcapOptions + [input, "\(theirs)/piece.pcap"])
        #expect(result.status == 0, "editcap failed: \(result.error)")
        let names = SplitTestSupport.listing(ours)
        #expect(names == SplitTestSupport.listing(theirs), "\(label): piece names differ")
        #expect(names.count == summary.pieces.count)
        #expect(names.count > 1, "\(label): expected several pieces")
        for name in names {
            let a = FileManager.default.contents(atPath: "\(ours)/\(name)")
            let b = FileManager.default.contents(atPath: "\(theirs)/\(name)")
            #expect(a != nil && a == b, "\(label): \(name) differs from editcap's")
        }
    }

    @Test("-c N pieces are byte-identical to editcap -F pcap -c N", arguments: inputs)
    func packetCount(input: String) throws {
        for count in [97, 500] {
            try Self.compareWithEditcap(input: input, editcapOptions: ["-F", "pcap", "-c", "\(count)"], label: "c\(count)") {
                $0.boundary = .packets(count)
            }
        }
    }

    @Test("-i S pieces (with editcap's empty intervals) are byte-identical to editcap -F pcap -i S", arguments: inputs)
    func interval(input: String) throws {
        for (text, nanoseconds) in [("1", Int64(1_000_000_000)), ("0.25", Int64(250_000_000))] {
            try Self.compareWithEditcap(input: input, editcapOptions: ["-F", "pcap", "-i", text], label: "i\(text)") {
                $0.boundary = .interval(nanoseconds: nanoseconds)
            }
        }
    }

    /// Inputs editcap writes first from the fixture: a nanosecond pcap, which keeps its precision
    /// (editcap -F nsecpcap), and a pcapng, written as pcap (-F pcap).
    static let convertedInputs: [(format: String, fileExtension: String, editcapOutput: String, count: Int, asPcap: Bool)] = [
        ("nsecpcap", "pcap", "nsecpcap", 150, false),
        ("pcapng", "pcapng", "pcap", 200, true),
    ]

    @Test("A nanosecond pcap keeps its precision (editcap -F nsecpcap); a pcapng written as pcap equals editcap -F pcap",
          arguments: convertedInputs)
    func convertedInput(format: String, fileExtension: String, editcapOutput: String, count: Int, asPcap: Bool) throws {
        guard let editcap = ExternalTool.path("editcap") else { return }
        let scratch = try SplitTestSupport.scratchDirectory("converted-\(format)")
        defer { SplitTestSupport.remove(scratch) }
        let converted = "\(scratch)/input.\(fileExtension)"
        try ExternalTool.run(editcap, ["-F", format, SplitTestSupport.fixture, converted])
        try Self.compareWithEditcap(input: converted, editcapOptions: ["-F", editcapOutput, "-c", "\(count)"], label: format) {
            $0.boundary = .packets(count)
            if asPcap { $0.outputFormat = .pcap }
        }
    }

    @Test("A big-endian pcap comes out in host order, as editcap writes it")
    func bigEndianInput() throws {
        let scratch = try SplitTestSupport.scratchDirectory("bigendian")
        defer { SplitTestSupport.remove(scratch) }
        let swapped = "\(scratch)/input.pcap"
        let data = try #require(FileManager.default.contents(atPath: SplitTestSupport.fixture))
        try Data(PcapWriter.byteSwapped(Array(data))).write(to: URL(fileURLWithPath: swapped))
        try Self.compareWithEditcap(input: swapped, editcapOptions: ["-F", "pcap", "-c", "300"], label: "bigendian") {
            $0.boundary = .packets(300)
        }
    }


    @Test("pcapng output: every piece readable by capinfos/tshark, packets and times add up to the input's")
    func pcapngPieces() throws {
        guard let editcap = ExternalTool.path("editcap"), let tshark = ExternalTool.path("tshark"),
              let capinfos = ExternalTool.path("capinfos") else { return }
        let scratch = try SplitTestSupport.scratchDirectory("ng")
        defer { SplitTestSupport.remove(scratch) }
        let input = SplitTestSupport.sharedCapture("a-seed") ?? SplitTestSupport.fixture
        let ng = "\(scratch)/input.pcapng"
        try ExternalTool.run(editcap, ["-F", "pcapng", input, ng])
        try FileManager.default.createDirectory(atPath: "\(scratch)/out", withIntermediateDirectories: true)
        let summary = try SplitTestSupport.split(ng, "\(scratch)/out/piece.pcapng") { $0.boundary = .packets(400) }
        #expect(summary.pieces.count > 1)
        var times: [String] = []
        for piece in summary.pieces {
            let info = try ExternalTool.run(capinfos, ["-c", "-M", piece.path])
            #expect(info.status == 0, "capinfos cannot read \(piece.path): \(info.error)")
            #expect(info.output.contains("Number of packets:   \(piece.packets)"))
            #expect(try String(contentsOfFile: piece.path, encoding: .isoLatin1).hasPrefix("\u{0A}\u{0D}\u{0D}\u{0A}"))
            times += try SplitTestSupport.packetTimes(tshark, piece.path)
        }
        #expect(times == (try SplitTestSupport.packetTimes(tshark, input)))
    }
}
