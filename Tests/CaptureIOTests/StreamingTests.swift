import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// Memory and input kinds: a big mapped file stays at bounded resident memory, pipes and gzip
/// read through the bounded buffer, records bigger than the buffer and straddling refills.
@Suite struct StreamingTests {
    /// Resident kilobytes of the mapping that starts at `base`, from /proc/self/smaps: only this
    /// reader's pages, whatever other tests running in parallel hold.
    static func residentKilobytes(of base: UnsafeRawPointer) -> Int? {
        // /proc files report size 0: read to EOF with stdio, not Foundation's sized read.
        guard let text = try? WholeFile.read("/proc/self/smaps") else { return nil }
        let smaps = String(decoding: text, as: UTF8.self)
        let start = String(UInt(bitPattern: base), radix: 16)
        var inMapping = false
        for line in smaps.split(separator: "\n") {
            if line.first.map({ $0.isHexDigit }) == true && line.contains("-") {
                inMapping = line.hasPrefix(start + "-")
            } else if inMapping && line.hasPrefix("Rss:") {
                return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            }
        }
        return nil
    }

    /// A classic pcap of `count` records of 64 KiB, written straight to disk.
    static func writeLargeCapture(_ path: String, records count: Int) {
        guard let file = fopen(path, "wb") else { return }
        defer { fclose(file) }
        var header = PcapWriter().bytes
        _ = fwrite(&header, 1, header.count, file)
        var record = [UInt8](repeating: 0xab, count: 16 + 65536)
        record[8] = 0; record[9] = 0; record[10] = 1; record[11] = 0 // captured length 65536
        record[12] = 0; record[13] = 0; record[14] = 1; record[15] = 0 // original length 65536
        for i in 0..<count {
            record[0] = UInt8(truncatingIfNeeded: i); record[1] = UInt8(truncatingIfNeeded: i >> 8)
            _ = fwrite(&record, 1, record.count, file)
        }
    }

    @Test("a 320 MB mapped capture is read with under 48 MB of it resident")
    func boundedResidentMemory() throws {
        let dir = CaptureFiles.temporaryDirectory("rss")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("large.pcap").path
        let count = 5_000
        Self.writeLargeCapture(path, records: count)

        func peakResident(_ limits: NativeCaptureReader.Limits) throws -> (peak: Int, records: Int) {
            let reader = try NativeCaptureReader(path: path, limits: limits)
            let base = try #require(reader.mapped?.base)
            var peak = 0, records = 0
            while let record = try reader.next() {
                _ = RecordSummary(record) // reads every byte
                records += 1
                if records % 500 == 0 { peak = max(peak, Self.residentKilobytes(of: base) ?? 0) }
            }
            return (peak, records)
        }
        var throughMap = NativeCaptureReader.Limits()
        throughMap.readBufferSize = 0
        let bounded = try peakResident(throughMap)
        #expect(bounded.records == count)
        #expect(bounded.peak > 0 && bounded.peak < 48 << 10, "peak \(bounded.peak) KiB resident")
        // Read into a buffer (the default), none of the map is ever resident.
        let buffered = try peakResident(NativeCaptureReader.Limits())
        #expect(buffered.records == count && buffered.peak < 1 << 10, "peak \(buffered.peak) KiB of the map resident")
        // The measurement itself is sound: with no release (and no page keeper, which releases
        // on its own) the whole file ends up resident.
        var never = NativeCaptureReader.Limits()
        never.releaseInterval = Int.max / 2
        never.populateDistance = 0
        never.readBufferSize = 0
        let unbounded = try peakResident(never)
        #expect(unbounded.peak > 200 << 10, "peak \(unbounded.peak) KiB resident without release")
    }

    /// A FIFO cannot be mapped: the reader streams it, gzip-compressed or not.
    @Test("captures read from a pipe, plain and gzip-compressed", arguments: [false, true])
    func pipe(_ compressed: Bool) throws {
        let source = CaptureFiles.fixtures.appendingPathComponent("captures/a-seed-slim.pcap").path
        let plain = CaptureFiles.read(source)
        let bytes = compressed ? gzip(plain) : plain
        let dir = CaptureFiles.temporaryDirectory("fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            guard let file = fopen(fifo, "wb") else { return }
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
        }
        writer.start()
        let reader = try NativeCaptureReader(path: fifo)
        #expect(reader.info.compressed == compressed)
        let streamed = readAll(reader)
        let mapped = readAll(path: source)
        #expect(streamed.warning == nil && streamed.error == nil)
        #expect(streamed.records == mapped.records)
        #expect(reader.fileSize == 0) // unknown for a pipe
    }

    /// Records larger than the 2 MiB stream buffer make it grow (within the cap), and each record
    /// straddles refills: the bytes must come out whole and in order.
    @Test("gzip records larger than the stream buffer and straddling refills")
    func largeRecordsThroughGzip() throws {
        var b = PcapngBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, snapLength: 0)
        var frames: [[UInt8]] = []
        var rng = SplitMix64(seed: 11)
        for size in [3 << 20, 100, (2 << 20) - 7, 5 << 20, 64, 1 << 20] {
            // Random words: incompressible, so the compressed stream is as long as the record.
            let words = (0..<(size + 7) / 8).map { _ in rng.next() }
            let frame = Array(words.withUnsafeBytes { Array($0.prefix(size)) })
            frames.append(frame)
            b.enhancedPacket(interface: 0, timestamp: UInt64(frames.count), data: frame)
        }
        let dir = CaptureFiles.temporaryDirectory("bigrec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("big.pcapng.gz").path
        CaptureFiles.write(gzip(b.bytes), to: path)
        let reader = try NativeCaptureReader(path: path)
        var index = 0
        while let record = try reader.next() {
            #expect(index < frames.count && Array(record.bytes) == frames[index], "record \(index)")
            index += 1
        }
        #expect(index == frames.count)
        #expect(reader.warning == nil)

        // A block over the cap is refused before anything is allocated for it.
        var small = NativeCaptureReader.Limits()
        small.maxBlockLength = 4 << 20
        let capped = try NativeCaptureReader(path: path, limits: small)
        let result = readAll(capped)
        #expect(result.records.count == 3) // 3 MiB, 100 B, 2 MiB - 7; then 5 MiB
        #expect(result.warning?.message.contains("impossible length") == true)
    }
}
