import CaptureIO
import Foundation
import Testing
@testable import Analysis
@testable import Timeline

/// Readers of their own (`SpillFile.makeReader()`): each thread reads the spill file through its
/// own buffer and gets the bytes that were appended, however the threads interleave.
@Suite struct SpillReaderTests {
    /// Record `i`: its number then a run of bytes derived from it, of varying length.
    static func record(_ i: Int) -> [UInt8] {
        var bytes: [UInt8] = withUnsafeBytes(of: UInt32(i).littleEndian, Array.init)
        bytes += (0..<(i % 300)).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) }
        return bytes
    }

    @Test func readersOnSeveralThreadsReadWhatWasAppended() async {
        let spill = SpillFile(contents: "test records")
        var places: [(offset: Int, length: Int)] = []
        // Over 4 MB: most records in the file, the last ones in memory until `finishWriting`.
        for i in 0..<30_000 { places.append(spill.append { $0 += Self.record(i) }) }
        #expect(spill.failure == nil)
        let inMemoryReader = spill.makeReader()
        #expect(inMemoryReader.withBytes(at: places[29_999].offset, length: places[29_999].length, Array.init) == Self.record(29_999))
        spill.finishWriting()
        let shared = places
        // The file is written: from here on only readers of their own touch it, one per task.
        let file = UncheckedSendable(spill)
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for thread in 0..<4 {
                group.addTask {
                    let reader = file.value.makeReader()
                    var wrong = 0
                    // Forwards, backwards and striding: the buffer must refill wherever it is.
                    let order: [Int] = thread % 2 == 0 ? Array(shared.indices) : shared.indices.reversed()
                    for i in order where i % (thread + 1) == 0 {
                        let place = shared[i]
                        if reader.withBytes(at: place.offset, length: place.length, Array.init) != Self.record(i) { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(spill.makeReader().withBytes(at: spill.count, length: 1, Array.init) == nil)
    }

    @Test func storeReadersDecodeWhatTheStoreDoes() {
        let facts = SQLFactStoreTests.randomFacts(count: 4_000, seed: 7)
        let store = SQLFactStore(spillDirectory: nil)
        for fact in facts { store.append(fact) }
        store.sortByStart()
        store.finishWriting()
        #expect(store.readsConcurrently)
        let reader = store.makeReader()
        var mismatches = 0
        for position in store.indices.reversed() where SQLFactStoreTests.fields(reader[position]) != SQLFactStoreTests.fields(store[position]) {
            mismatches += 1
        }
        #expect(mismatches == 0)
    }
}

/// A value handed to other tasks by a test that knows they only read it.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
