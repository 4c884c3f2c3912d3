import CaptureIO
import Testing

/// `FileRotation` against tcpdump's rules (tcpdump.c `dump_packet_and_trunc`, `MakeFilename`,
/// `getWflagChars`), step by step. `%s` keeps the names independent of the time zone.
struct FileRotationTests {
    private func names(_ rotation: inout FileRotation, _ steps: [(now: Int64, size: Int64)]) -> [String] {
        var out = [rotation.currentName]
        for step in steps {
            switch rotation.decide(now: step.now, size: step.size) {
            case .keep: continue
            case .rotate(let name): out.append(name)
            case .stop: out.append("<stop>")
            }
        }
        return out
    }

    @Test("-C alone: FILE, FILE1, FILE2 ... once a file holds more than C million bytes")
    func sizeOnly() {
        var r = FileRotation(pattern: "cap.pcap", megabytes: 1, start: 0)
        #expect(names(&r, [(0, 1_000_000), (0, 1_000_001), (0, 5), (0, 2_000_000)]) == ["cap.pcap", "cap.pcap1", "cap.pcap2"])
    }

    @Test("-C with -W: a ring, counters zero-padded to the digits of W-1", arguments: [
        (3, ["c0", "c1", "c2", "c0", "c1"]),
        (11, ["c00", "c01", "c02", "c03", "c04"]),
        (1, ["c", "c", "c", "c", "c"]),
        (10, ["c0", "c1", "c2", "c3", "c4"]),
    ])
    func sizeRing(count: Int, expected: [String]) {
        var r = FileRotation(pattern: "c", megabytes: 2, fileCount: count, start: 0)
        #expect(names(&r, Array(repeating: (0, 2_000_001), count: 4)) == expected)
    }

    @Test("-C with -W 11 wraps after c10")
    func sizeRingWraps() {
        var r = FileRotation(pattern: "c", megabytes: 1, fileCount: 11, start: 0)
        let all = names(&r, Array(repeating: (0, 1_000_001), count: 12))
        #expect(all.suffix(3) == ["c10", "c00", "c01"])
    }

    @Test("-G: a new file on the first packet S seconds after the current one started; named at that moment")
    func timeOnly() {
        var r = FileRotation(pattern: "cap-%s.pcap", seconds: 60, start: 1000)
        #expect(names(&r, [(1059, 9_999_999), (1060, 0), (1100, 0), (1125, 0)]) == ["cap-1000.pcap", "cap-1060.pcap", "cap-1125.pcap"])
    }

    @Test("-G with -W alone: stop instead of opening file W+1")
    func timeCountStops() {
        var r = FileRotation(pattern: "cap-%s", seconds: 10, fileCount: 2, start: 0)
        #expect(names(&r, [(10, 0), (20, 0)]) == ["cap-0", "cap-10", "<stop>"])
    }

    @Test("-G with -C: the size counter restarts at each new interval; -W is then a ring, never a stop")
    func timeAndSize() {
        var r = FileRotation(pattern: "cap-%s.", megabytes: 1, seconds: 60, fileCount: 3, start: 1000)
        #expect(names(&r, [(1001, 1_000_001), (1060, 1_000_001), (1061, 1_000_001), (1062, 1_000_001), (1063, 1_000_001), (1120, 0)])
                == ["cap-1000.0", "cap-1000.1", "cap-1060.0", "cap-1060.1", "cap-1060.2", "cap-1060.0", "cap-1120.0"])
        var plain = FileRotation(pattern: "cap-%s.", megabytes: 1, seconds: 60, start: 1000)
        #expect(names(&plain, [(1001, 1_000_001), (1060, 0)]) == ["cap-1000.", "cap-1000.1", "cap-1060."])
    }

    @Test("a pattern is taken literally without -G")
    func noStrftimeWithoutG() {
        let r = FileRotation(pattern: "cap-%s.pcap", megabytes: 1, start: 1000)
        #expect(r.currentName == "cap-%s.pcap")
    }
}
