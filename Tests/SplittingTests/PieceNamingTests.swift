import CaptureIO
import Testing
@testable import Splitting

@Suite struct PieceNamingTests {
    @Test("editcap's prefix and suffix: the last dot of the last path component")
    func prefixAndSuffix() {
        let cases: [(String, String, String)] = [
            ("dir/out.pcap", "dir/out", ".pcap"),
            ("out", "out", ""),
            ("dir.d/out", "dir.d/out", ""),
            ("x.y.z", "x.y", ".z"),
            ("/tmp/a.b/c.pcapng", "/tmp/a.b/c", ".pcapng"),
        ]
        for (output, prefix, suffix) in cases {
            let naming = PieceNaming(output: output)
            #expect(naming.prefix == prefix && naming.suffix == suffix, "\(output)")
        }
    }

    @Test("Index is zero-padded to five digits and grows past 99999; time is local YYYYmmddHHMMSS")
    func names() {
        let naming = PieceNaming(output: "o.pcap")
        let time = Timestamp(seconds: 1_700_000_000, nanoseconds: 999_999_999)
        let stamp = PieceNaming.localTimeStamp(time)
        #expect(stamp.count == 14)
        #expect(naming.name(index: 0, firstPacketTime: time) == "o_00000_\(stamp).pcap")
        #expect(naming.name(index: 123_456, firstPacketTime: time) == "o_123456_\(stamp).pcap")
    }
}

@Suite struct SplitTimeTests {
    @Test("Epoch seconds, with a fraction kept exactly to nanoseconds")
    func epoch() {
        #expect(SplitTime.parse("1700000001")?.nanoseconds == 1_700_000_001_000_000_000)
        #expect(SplitTime.parse("1700000001.5")?.nanoseconds == 1_700_000_001_500_000_000)
        #expect(SplitTime.parse("1700000001.123456789123")?.nanoseconds == 1_700_000_001_123_456_789)
        #expect(SplitTime.parseDuration("0.25") == 250_000_000)
        #expect(SplitTime.parseDuration("1.2.3") == nil)
    }

    @Test("Calendar times: Z and offsets are absolute; T or space separate date and time")
    func calendar() {
        #expect(SplitTime.parse("2023-11-14T22:13:21.5Z")?.nanoseconds == 1_700_000_001_500_000_000)
        #expect(SplitTime.parse("2023-11-14T23:13:21+01:00")?.nanoseconds == 1_700_000_001_000_000_000)
        #expect(SplitTime.parse("2023-11-14T21:13:21-01:00")?.nanoseconds == 1_700_000_001_000_000_000)
        // Local time: the same wall clock as localtime_r prints for that instant.
        let local = SplitTime.parse("2023-11-14 22:13:21")
        #expect(local != nil)
        if let local {
            let stamp = PieceNaming.localTimeStamp(local)
            #expect(stamp == "20231114221321")
        }
    }

    @Test("Garbage is refused", arguments: ["garbage", "2023-13-01 00:00:00", "2023-11-14", "12:00:00", "2023-11-14T22:13:21X", ""])
    func invalid(text: String) {
        #expect(SplitTime.parse(text) == nil)
    }
}
