import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// The page keeper maps pages ahead of the reader and gives back those behind it on a thread of
/// its own: the records read must be those read without it, byte for byte, with as little of
/// the file resident.
@Suite struct MappedPageKeeperTests {
    /// A classic pcap of `count` records of 60 to 1,500 bytes of seeded noise (about 12 MB):
    /// many records per page, as in a real capture.
    static func writeCapture(_ path: String, records count: Int) {
        guard let file = fopen(path, "wb") else { return }
        defer { fclose(file) }
        var bytes = PcapWriter().bytes
        var rng = SplitMix64(seed: 25)
        for i in 0..<count {
            let length = 60 + Int(rng.next() % 1441)
            var header = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: UInt32(i).littleEndian) { header.replaceSubrange(0..<4, with: $0) }
            withUnsafeBytes(of: UInt32(length).littleEndian) { header.replaceSubrange(8..<12, with: $0); header.replaceSubrange(12..<16, with: $0) }
            bytes += header
            for _ in 0..<length { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            if bytes.count >= 1 << 20 {
                _ = fwrite(bytes, 1, bytes.count, file)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        _ = fwrite(bytes, 1, bytes.count, file)
    }

    @Test func recordsReadWithTheKeeperEqualThoseReadWithout() throws {
        let dir = CaptureFiles.temporaryDirectory("keeper")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("noise.pcap").path
        Self.writeCapture(path, records: 16_000)

        func read(populateDistance: Int) throws -> (result: ReadResult, kept: Bool, peakKiB: Int) {
            var limits = NativeCaptureReader.Limits()
            limits.populateDistance = populateDistance
            limits.releaseInterval = 128 << 10
            limits.readBufferSize = 0
            let reader = try NativeCaptureReader(path: path, limits: limits)
            let map = try #require(reader.mapped)
            let kept = map.keeper != nil
            var result = ReadResult(), peak = 0
            while let record = try reader.next() {
                result.records.append(RecordSummary(record))
                if result.records.count % 1_000 == 0 { peak = max(peak, StreamingTests.residentKilobytes(of: map.base) ?? 0) }
            }
            result.warning = reader.warning
            #expect(map.keeper == nil, "the keeper stops at the end of the file")
            return (result, kept, peak)
        }
        let without = try read(populateDistance: 0)
        let with = try read(populateDistance: 1 << 20)
        #expect(!without.kept && with.kept)
        #expect(without.result.records.count == 16_000 && without.result.warning == nil)
        #expect(with.result.records == without.result.records)
        #expect(with.result.warning == nil)
        // About 12 MB read: a megabyte ahead and the pages since the last release stay resident.
        #expect(with.peakKiB < 4 << 10, "peak \(with.peakKiB) KiB resident with the keeper")
    }

    /// A reader dropped halfway stops the keeper's thread with the map (no thread left behind,
    /// no page chore on an unmapped range).
    @Test func aReaderDroppedHalfwayStopsTheKeeper() throws {
        let dir = CaptureFiles.temporaryDirectory("keeper-drop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("noise.pcap").path
        Self.writeCapture(path, records: 8_000)
        var limits = NativeCaptureReader.Limits()
        limits.populateDistance = 1 << 20
        limits.readBufferSize = 0
        for _ in 0..<20 {
            let reader = try NativeCaptureReader(path: path, limits: limits)
            #expect(reader.mapped?.keeper != nil)
            for _ in 0..<1_000 { _ = try reader.next() }
        }
    }
}
