@testable import Analysis
import Testing

/// Issue 25: `info`'s chunks shrink towards the file's end, so that the last range the other
/// thread walks, which the walking thread replays alone, is short; and they still cover the
/// file once, in order, each chunk at least a sixteenth of the full length and 4 KB (or the
/// full length, when that is less: the survey tests' chunks of a few hundred bytes stay whole).
struct RangeHandoffChunkTests {
    static func lengths(_ starts: [Int], fileSize: Int) -> [Int] {
        zip(starts, starts.dropFirst() + [fileSize]).map { $1 - $0 }
    }

    @Test(arguments: [(24, 300_000_000, 16 << 20), (24, 2_000_000_000, 16 << 20), (100, 5_000, 512), (24, 70_000, 40_000)])
    func chunksCoverTheFileAndShrinkAtItsEnd(_ base: Int, _ fileSize: Int, _ chunkBytes: Int) {
        let starts = RangeHandoff.chunkStarts(base: base, fileSize: fileSize, chunkBytes: chunkBytes)
        #expect(starts.first == base)
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 })
        let lengths = Self.lengths(starts, fileSize: fileSize)
        let smallest = min(chunkBytes, max(chunkBytes / 16, 4096))
        // Every chunk but the last is between a sixteenth of the full length and the full length,
        // and none is longer than the one before it once they start to shrink.
        #expect(lengths.dropLast().allSatisfy { $0 >= smallest && $0 <= chunkBytes })
        #expect(zip(lengths.dropLast(), lengths.dropLast().dropFirst()).allSatisfy { $0 >= $1 })
        // The last chunk keeps what is left after the last smallest one: under two smallest.
        if let last = lengths.last, lengths.count > 1 { #expect(last >= smallest && last < 2 * smallest) }
        // Chunks of the full length until the last four full lengths of the file.
        let full = lengths.prefix { $0 == chunkBytes }.count
        #expect(fileSize - (base + full * chunkBytes) < 4 * chunkBytes + chunkBytes)
    }

    @Test func chunksShorterThanFourKilobytesDoNotShrink() {
        let starts = RangeHandoff.chunkStarts(base: 24, fileSize: 5_000, chunkBytes: 512)
        #expect(Self.lengths(starts, fileSize: 5_000).dropLast().allSatisfy { $0 == 512 })
    }

    @Test func aFileShorterThanTheSmallestChunkIsOneChunk() {
        #expect(RangeHandoff.chunkStarts(base: 24, fileSize: 1_000, chunkBytes: 16 << 20) == [24])
        #expect(RangeHandoff(base: 24, fileSize: 1_000, chunkBytes: 16 << 20, maxAhead: 4).limit(of: 0) == .max)
    }

    @Test func theAPICapturesLastChunkIsAMegabyte() {
        // 283 MB of 300-byte records: 16 MB chunks, then shrinking ones, the last about 1 MB.
        let starts = RangeHandoff.chunkStarts(base: 24, fileSize: 282_799_414, chunkBytes: 16 << 20)
        let lengths = Self.lengths(starts, fileSize: 282_799_414)
        #expect(lengths.first == 16 << 20)
        #expect((1 << 20..<2 << 20).contains(lengths.last ?? 0))
        #expect(starts.count < 40)
    }
}
