import Testing
@testable import Timeline

/// The id index answers what searching the sorted ids one by one answered (issue 25): that search
/// is the oracle, run here on statements built to hold ids in every position and case.
struct ImageIDIndexTests {
    static let ids = [
        "0f6c6f6e-5c2a-4f0c-9d0e-7a8b3c2d1e0f", "1a2b3c4d-0000-4000-8000-00000000000a",
        "1A2B3C4D-0000-4000-8000-00000000000A", "ffffffff-ffff-4fff-bfff-ffffffffffff",
        "img-1", "image-10", "b7f0d7c2-9a4e-4a53-8f14-3c1e2d9a0b77",
    ]

    func searchOneByOne(_ statement: String, _ ids: [String]) -> String? {
        ids.sorted().first { statement.containsBytes($0) }
    }

    func indexed(_ statement: String, _ index: ImageIDIndex) -> String? {
        var text = statement
        return text.withUTF8 { index.smallestContained(in: UnsafeRawBufferPointer($0)) }
    }

    @Test func findsWhatTheSearchOfEveryIDFinds() {
        let index = ImageIDIndex(Self.ids)
        var generator = SplitMix64(seed: 25)
        let pieces = Self.ids + ["SELECT images.id FROM images WHERE images.id = '", "'", " AND ", "-", "--", "0f6c6f6e-5c2a",
                                 "ffffffff-ffff-4fff-bfff-fffffffffff", "x", "image-1", "deadbeef-dead-beef-dead-beefdeadbeef"]
        for _ in 0..<5_000 {
            let count = Int(generator.next() % 6)
            let statement = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            #expect(indexed(statement, index) == searchOneByOne(statement, Self.ids), "\(statement)")
        }
    }

    @Test func namesTheSmallestIDOfSeveral() {
        let index = ImageIDIndex(Self.ids)
        let statement = "DELETE FROM image_members WHERE image_id IN ('ffffffff-ffff-4fff-bfff-ffffffffffff', "
            + "'0f6c6f6e-5c2a-4f0c-9d0e-7a8b3c2d1e0f')"
        #expect(indexed(statement, index) == "0f6c6f6e-5c2a-4f0c-9d0e-7a8b3c2d1e0f")
        #expect(indexed("UPDATE images SET status='active' WHERE id='1A2B3C4D-0000-4000-8000-00000000000A'", index)
            == "1A2B3C4D-0000-4000-8000-00000000000A")
        #expect(indexed("SELECT 1", index) == nil)
        #expect(indexed("", index) == nil)
        #expect(ImageIDIndex([]).isEmpty)
    }

    /// A seeded generator, so that a failure repeats.
    struct SplitMix64 {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
