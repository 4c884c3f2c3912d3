import CaptureIO
import Crypto
import Foundation
import TestSupport
import Testing
@testable import HTTPDecoding

/// The hasher's two ways to hold body bytes (spans into stable memory, copies into arenas), its
/// lag behind the reader, and the lifetime of the memory it points into.
@Suite struct UploadHasherTests {
    /// Stands in for a capture file's map: a buffer of "segments" (a 54-byte header, then payload)
    /// registered as stable memory; records what the hasher hands back and when it is freed.
    final class FakeMap: StableMemoryOwner, @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        /// Ranges handed back, as offsets into `bytes`.
        /// Behind a pthread mutex (NSLock), which ThreadSanitizer intercepts: with
        /// `Synchronization.Mutex` (the toolchain's module is not instrumented, its lock is a
        /// futex) it reported the two hasher queues' appends as a Swift access race.
        final class DropLog: @unchecked Sendable {
            private let lock = NSLock()
            private var ranges: [Range<Int>] = []
            func append(_ range: Range<Int>) { lock.withLock { ranges.append(range) } }
            var all: [Range<Int>] { lock.withLock { ranges } }
        }
        let dropped = DropLog()

        init(size: Int) {
            bytes = .allocate(byteCount: size, alignment: 4096)
            StableMemory.register(UnsafeRawBufferPointer(bytes), owner: self)
        }

        func dropPages(_ range: UnsafeRawBufferPointer) {
            let start = range.baseAddress! - UnsafeRawPointer(bytes.baseAddress!)
            dropped.append(start..<(start + range.count))
        }

        func populatePages(_ range: UnsafeRawBufferPointer) {}

        deinit {
            StableMemory.unregister(ObjectIdentifier(self))
            bytes.deallocate()
        }
    }

    static func hex<D: Digest>(_ digest: D) -> String { digest.map { String(format: "%02x", $0) }.joined() }

    /// Lays `body` out in the map as `segment`-byte segments behind 54-byte headers; returns each
    /// segment's range in the map.
    static func layOut(_ body: [UInt8], in map: FakeMap, segment: Int = 1448) -> [Range<Int>] {
        var segments: [Range<Int>] = []
        var offset = 0, taken = 0
        while taken < body.count {
            offset += 54
            let count = min(segment, body.count - taken)
            map.bytes.baseAddress!.advanced(by: offset).copyMemory(from: Array(body[taken..<(taken + count)]), byteCount: count)
            segments.append(offset..<(offset + count))
            offset += count
            taken += count
        }
        return segments
    }

    @Test func regionLookupFindsOnlyWholeRangesOfLiveOwners() {
        let map = FakeMap(size: 8192)
        let inside = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(map.bytes)[100..<200])
        let straddling = UnsafeRawBufferPointer(start: map.bytes.baseAddress! + 8100, count: 200)
        #expect(StableMemory.region(containing: inside)?.owner === map)
        #expect(StableMemory.region(containing: straddling) == nil)
        let elsewhere = [UInt8](repeating: 1, count: 10)
        elsewhere.withUnsafeBytes { #expect(StableMemory.region(containing: $0) == nil) }
        StableMemory.unregister(ObjectIdentifier(map))
        #expect(StableMemory.region(containing: inside) == nil)
    }

    /// Segments from a map, with every 97th one delivered from a buffer of its own (as a reordered
    /// segment is): the digests equal independent ones, every map page the batches covered is
    /// handed back, and the map, released by its reader mid-upload, lives until the hashing ends.
    @Test func spansAndCopiesGiveTheDigestsAndTheMapOutlivesItsReader() throws {
        let body = SplitMix64.bytes((5 << 20) + 777, seed: 42)
        var map: FakeMap? = FakeMap(size: body.count + (body.count / 1448 + 1) * 54 + 4096)
        let segments = Self.layOut(body, in: map!)
        weak let weakMap = map
        let h = DecoderHarness()
        h.send("PUT /v2/images/abc/file HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n", .clientToServer)
        for (i, segment) in segments.enumerated() {
            let bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(map!.bytes)[segment])
            if i % 97 == 5 {
                Array(bytes).withUnsafeBytes { h.decoder.receive($0, direction: .clientToServer, at: Timestamp(nanoseconds: 1)) }
            } else {
                h.decoder.receive(bytes, direction: .clientToServer, at: Timestamp(nanoseconds: 1))
            }
        }
        let dropped = map!.dropped
        map = nil  // the reader is gone; batches in flight still point into the map
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        let exchange = try #require(h.exchanges.first)
        #expect(exchange.uploadMD5 == Self.hex(Insecure.MD5.hash(data: body)))
        #expect(exchange.uploadSHA512 == Self.hex(SHA512.hash(data: body)))
        // Both queues are done once the digests are in; the last batch is released right after.
        for _ in 0..<200 where weakMap != nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(weakMap == nil, "the map is freed once no batch needs it")
        // Each queue hands back what it read: together the ranges cover the body's segments twice.
        let ranges = dropped.all
        for segment in segments.dropLast() {
            let covering = ranges.filter { $0.lowerBound <= segment.lowerBound && segment.upperBound <= $0.upperBound }
            #expect(covering.count == 2 || segments.firstIndex(of: segment)! % 97 == 5, "segment \(segment)")
        }
    }

    /// Tiny segments (a batch ends at `maxSpansPerBatch` spans, not at a megabyte) still give the
    /// digests of the whole body.
    @Test func tinySegmentsAreCutIntoMoreBatches() throws {
        let body = SplitMix64.bytes((1 << 20) + 3, seed: 9)
        let map = FakeMap(size: body.count + (body.count / 100 + 1) * 54 + 4096)
        let segments = Self.layOut(body, in: map, segment: 100)
        #expect(segments.count > 4 * UploadHasher.maxSpansPerBatch)
        let h = DecoderHarness()
        h.send("PUT /v2/images/abc/file HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n", .clientToServer)
        for segment in segments {
            h.decoder.receive(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(map.bytes)[segment]),
                              direction: .clientToServer, at: Timestamp(nanoseconds: 1))
        }
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        let exchange = try #require(h.exchanges.first)
        #expect(exchange.uploadMD5 == Self.hex(Insecure.MD5.hash(data: body)))
        #expect(exchange.uploadSHA512 == Self.hex(SHA512.hash(data: body)))
        // Each batch's range is handed back once per queue: more batches than a megabyte's worth.
        #expect(map.dropped.all.count >= 2 * 5)
    }

    /// A gap in the body voids the digests; the queues skip what was handed over, and the next
    /// upload on the same connection is hashed from a clean start.
    @Test func anAbandonedBodyDoesNotDisturbTheNextUpload() {
        let first = SplitMix64.bytes(3 << 20, seed: 7)
        let second = SplitMix64.bytes((2 << 20) + 5, seed: 8)
        let h = DecoderHarness()
        h.send("PUT /v2/images/a/file HTTP/1.1\r\nContent-Length: \(first.count)\r\n\r\n", .clientToServer)
        h.send(Array(first[..<(2 << 20)]), .clientToServer, pieces: 50)
        h.gap(1000, .clientToServer)
        h.send(Array(first[((2 << 20) + 1000)...]), .clientToServer, pieces: 10)
        h.send("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        h.send("PUT /v2/images/b/file HTTP/1.1\r\nContent-Length: \(second.count)\r\n\r\n", .clientToServer)
        h.send(second, .clientToServer, pieces: 41)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        #expect(h.exchanges.first?.uploadDigests == nil)
        #expect(h.exchanges.last?.uploadMD5 == Self.hex(Insecure.MD5.hash(data: second)))
        #expect(h.exchanges.last?.uploadSHA512 == Self.hex(SHA512.hash(data: second)))
    }

    /// Two uploads interleaved on two connections share the two queues; each gets its own digests.
    @Test func interleavedUploadsKeepTheirOwnDigests() {
        let bodies = [SplitMix64.bytes(3 << 20, seed: 1), SplitMix64.bytes((3 << 20) + 9, seed: 2)]
        let harnesses = [DecoderHarness(), DecoderHarness()]
        for (h, body) in zip(harnesses, bodies) {
            h.send("PUT /v2/images/x/file HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n", .clientToServer)
        }
        let piece = 60_000
        for start in stride(from: 0, to: bodies[1].count, by: piece) {
            for (h, body) in zip(harnesses, bodies) where start < body.count {
                h.send(Array(body[start..<min(body.count, start + piece)]), .clientToServer)
            }
        }
        for (h, body) in zip(harnesses, bodies) {
            h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
            #expect(h.exchanges.first?.uploadMD5 == Self.hex(Insecure.MD5.hash(data: body)))
            #expect(h.exchanges.first?.uploadSHA512 == Self.hex(SHA512.hash(data: body)))
        }
    }

    /// The hasher's state is made at the first body byte, and a body with none gets digests known
    /// in advance: both must still be the published ones (RFC 1321 A.5, FIPS 180-2 C.1).
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e",
         "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72",
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    ])
    func smallAndEmptyBodiesGetThePublishedDigests(body: String, md5: String, sha512: String) {
        let h = DecoderHarness()
        h.send("PUT /v2/images/x/file HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)", .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 1)
        #expect(h.exchanges.first?.uploadMD5 == md5)
        #expect(h.exchanges.first?.uploadSHA512 == sha512)
    }
}
