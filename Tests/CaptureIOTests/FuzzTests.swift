import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// Seeded random mutations of small captures: the reader must read each to its end without
/// trapping, in bounded time, and every record it returns must lie inside the file.
@Suite struct FuzzTests {
    static func seeds() -> [(String, [UInt8])] {
        var out = DamageTests.inputs().map { ($0.0, Array($0.1.prefix(6000))) }
        for name in ["le/difficult/test202", "be/difficult/test202", "le/advanced/test102"] {
            let path = ConformanceTests.root.appendingPathComponent("\(name).pcapng").path
            if CaptureFiles.exists(path) { out.append((name, CaptureFiles.read(path))) }
        }
        return out
    }

    /// Values that stress length checks when written over a 32-bit field.
    static let interesting: [UInt32] = [0, 1, 3, 4, 11, 12, 13, 28, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff,
                                        0xffff_fffc, 0x0100_0000, 0x00ff_fffc, 0x0A0D_0D0A, 0x1A2B_3C4D, 0x4D3C_2B1A]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        guard !bytes.isEmpty else { return bytes }
        let rounds = 1 + Int(rng.next() % 4)
        for _ in 0..<rounds {
            switch rng.next() % 6 {
            case 0, 1: // bit flips
                for _ in 0..<(1 + Int(rng.next() % 8)) {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    bytes[i] ^= UInt8(1) << UInt8(rng.next() % 8)
                }
            case 2: // a length-sized field overwritten, aligned as pcap and pcapng fields are
                guard bytes.count >= 4 else { break }
                let i = Int(rng.next() % UInt64(bytes.count / 4)) * 4
                var v = interesting[Int(rng.next() % UInt64(interesting.count))]
                if rng.next() % 2 == 0 { v = v.byteSwapped }
                for k in 0..<4 where i + k < bytes.count { bytes[i + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
            case 3: // small length change: a field off by a few
                guard bytes.count >= 4 else { break }
                let i = Int(rng.next() % UInt64(bytes.count / 4)) * 4
                bytes[i] = bytes[i] &+ UInt8(truncatingIfNeeded: Int(rng.next() % 9) - 4)
            case 4: // truncation
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            default: // a chunk duplicated or removed
                guard bytes.count > 8 else { break }
                let a = Int(rng.next() % UInt64(bytes.count)), n = Int(rng.next() % 64)
                let b = min(bytes.count, a + n)
                if rng.next() % 2 == 0 { bytes.insert(contentsOf: bytes[a..<b], at: a) } else { bytes.removeSubrange(a..<b) }
            }
            if bytes.isEmpty { break }
        }
        return bytes
    }

    /// Reads a mutated file to the end, checking the reader's invariants on the way.
    static func exercise(_ path: String, size: Int, compressed: Bool) -> Int {
        guard let reader = try? NativeCaptureReader(path: path) else { return 0 }
        var count = 0
        var last = -1
        while let record = try? reader.next() {
            count += 1
            // The view must lie inside the read buffer, the map (or the stream buffer) and be readable.
            if !compressed, let buffer = reader.readBuffer, let start = record.bytes.baseAddress,
               start >= UnsafeRawPointer(buffer.memory), start < UnsafeRawPointer(buffer.memory) + buffer.capacity {
                #expect(record.bytes.count <= UnsafeRawPointer(buffer.memory) + buffer.capacity - start)
            } else if !compressed, let map = reader.mapped {
                let start = record.bytes.baseAddress.map { $0 - map.base } ?? 0
                #expect(start >= 0 && start + record.bytes.count <= size)
            }
            _ = RecordSummary(record)
            // Every record moves the reader forward: it cannot loop in place on a crafted length.
            guard reader.uncompressedOffset > last, record.fileOffset >= last else {
                Issue.record("\(path): no progress at \(last)")
                break
            }
            last = reader.uncompressedOffset
        }
        #expect((try? reader.next()) == nil, "reading past the end stays at the end")
        return count
    }

    @Test("thousands of seeded mutations read to the end without trapping", arguments: [1, 2, 3] as [UInt64])
    func mutations(_ seed: UInt64) throws {
        let dir = CaptureFiles.temporaryDirectory("fuzz\(seed)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: seed)
        let seeds = Self.seeds()
        let path = dir.appendingPathComponent("m").path
        let clock = ContinuousClock()
        let started = clock.now
        var runs = 0
        for _ in 0..<1_000 {
            let (_, input) = seeds[Int(rng.next() % UInt64(seeds.count))]
            let mutated = Self.mutate(input, &rng)
            CaptureFiles.write(mutated, to: path)
            _ = Self.exercise(path, size: mutated.count, compressed: false)
            runs += 1
        }
        // gzip: mutations of the plain bytes compressed, and of the compressed stream itself.
        for i in 0..<200 {
            let (_, input) = seeds[Int(rng.next() % UInt64(seeds.count))]
            let bytes = i % 2 == 0 ? gzip(Self.mutate(input, &rng)) : Self.mutate(gzip(input), &rng)
            CaptureFiles.write(bytes, to: path)
            _ = Self.exercise(path, size: 64 << 20, compressed: true)
            runs += 1
        }
        #expect(runs == 1_200)
        #expect(clock.now - started < .seconds(60), "mutations must read in bounded time")
    }
}
