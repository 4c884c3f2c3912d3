import CaptureIO
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Reports

/// The concurrent list writer: chunks come out in list order, the text equals the one-thread
/// text whatever the threads and chunk length, and no more chunks than allowed are in flight.
@Suite struct OrderedChunkFormatterTests {
    /// Item `i`'s line: long enough that a chunk is several lines, different per item.
    static func line(_ i: Int) -> String { "item \(i) " + String(repeating: "x", count: i % 37) + "\n" }

    static func text(count: Int, _ formatter: OrderedChunkFormatter) -> (text: String, emits: Int) {
        var out = "", emits = 0
        formatter.run(count: count, makeWorker: { 0 }, format: { _, range, text in
            for i in range { text += line(i) }
        }, emit: { out += $0; emits += 1 })
        return (out, emits)
    }

    @Test(arguments: [(1, 1), (2, 1), (2, 7), (3, 64), (4, 1000), (8, 3)])
    func textEqualsTheOneThreadText(threads: Int, chunkLength: Int) {
        let count = 20_011
        let expected = (0..<count).map(Self.line).joined()
        let one = Self.text(count: count, OrderedChunkFormatter(threads: 1, chunkLength: chunkLength))
        let many = Self.text(count: count, OrderedChunkFormatter(threads: threads, chunkLength: chunkLength))
        #expect(one.text == expected)
        #expect(many.text == expected)
        // Chunk by chunk: one emit per chunk, the last one short.
        #expect(many.emits == (count + chunkLength - 1) / chunkLength)
    }

    @Test func emptyAndSingleItemLists() {
        #expect(Self.text(count: 0, OrderedChunkFormatter(threads: 4)).emits == 0)
        #expect(Self.text(count: 0, OrderedChunkFormatter(threads: 1)).emits == 0)
        let one = Self.text(count: 1, OrderedChunkFormatter(threads: 4, chunkLength: 5))
        #expect(one.text == Self.line(0) && one.emits == 1)
    }

    /// A slow writer must hold the formatters back: never more than `chunksInFlight` chunks are
    /// formatted and not yet written, and each thread makes one worker.
    @Test func chunksInFlightAreBounded() {
        let counters = LockedValue((outstanding: 0, peak: 0, workers: 0))
        let formatter = OrderedChunkFormatter(threads: 3, chunkLength: 10, chunksInFlight: 4)
        var out = ""
        formatter.run(count: 5_000, makeWorker: { counters.withLock { $0.workers += 1 } }, format: { _, range, text in
            counters.withLock { $0.outstanding += 1; $0.peak = max($0.peak, $0.outstanding) }
            for i in range { text += Self.line(i) }
        }, emit: { chunk in
            usleep(100)
            counters.withLock { $0.outstanding -= 1 }
            out += chunk
        })
        let final = counters.withLock { $0 }
        #expect(out == (0..<5_000).map(Self.line).joined())
        #expect(final.outstanding == 0)
        #expect(final.peak <= 4, "peak \(final.peak) chunks in flight")
        #expect(final.workers <= 3)
    }
}

/// A lazy JSON array with an element maker per thread is written as it is on one thread.
@Suite struct ConcurrentJSONArrayTests {
    @Test(arguments: [0, 1, 255, 256, 257, 3_000])
    func lazyArraysSerialiseTheSameOnSeveralThreads(count: Int) {
        let element: @Sendable (Int) -> JSONValue = { i in
            .object([("i", .int(i)), ("s", .string("x<\(i)>\n" + String(repeating: "é", count: i % 5))), ("a", .array([.null, .bool(i % 2 == 0)]))])
        }
        let serial = JSONValue.object([("a", .lazyArray(LazyJSONArray(count: count, element: element))), ("b", .int(1))])
        let concurrent = JSONValue.object([("a", .lazyArray(LazyJSONArray(count: count, element: element, makeElement: { element }))),
                                           ("b", .int(1))])
        for pretty in [true, false] {
            var a = "", b = ""
            serial.serialize(pretty: pretty) { a += $0 }
            concurrent.serialize(pretty: pretty) { b += $0 }
            #expect(a == serial.serialized(pretty: pretty))
            #expect(b == a)
        }
    }
}
