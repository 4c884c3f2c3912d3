import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// A plain file is read into a buffer (`ReadBuffer`) until a consumer keeps record bytes, then
/// through its map: the records must be those read through the map alone, byte for byte, whatever
/// the buffer's size, with records straddling refills, records longer than the buffer, a file cut
/// short, and a consumer keeping bytes halfway.
@Suite struct ReadBufferTests {
    static func read(_ path: String, bufferSize: Int, keepAt keptRecord: Int? = nil)
        throws -> (result: ReadResult, buffered: Bool, kept: [UInt8], keptAfter: [UInt8], swaps: Int) {
        var limits = NativeCaptureReader.Limits()
        limits.readBufferSize = bufferSize
        limits.populateDistance = 64 << 10
        let reader = try NativeCaptureReader(path: path, limits: limits)
        var result = ReadResult()
        var region: StableRegion?
        var keptBytes = UnsafeRawBufferPointer(start: nil, count: 0)
        var kept: [UInt8] = []
        while let record = try reader.next() {
            result.records.append(RecordSummary(record))
            if result.records.count == keptRecord {
                // What a decoding worker or an upload hasher does: keep the bytes by retaining
                // their owner, and read them long after the reader moved on.
                region = StableMemory.region(containing: record.bytes)
                keptBytes = record.bytes
                kept = Array(record.bytes)
            }
        }
        result.warning = reader.warning
        let keptAfter = region != nil ? Array(keptBytes) : []
        return (result, reader.readBuffer != nil, kept, keptAfter, reader.readAheadSwaps)
    }

    /// A capture of `records` records of 60 to 1,500 bytes (`MappedPageKeeperTests.writeCapture`)
    /// in a directory of its own, removed afterwards.
    static func withCapture(records: Int, _ body: (String) throws -> Void) throws {
        let dir = CaptureFiles.temporaryDirectory("readbuffer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("noise.pcap").path
        MappedPageKeeperTests.writeCapture(path, records: records)
        try body(path)
    }

    @Test("records read through buffers of any size equal those read through the map", arguments: [0, 4096, 1024, 256 << 10])
    func bufferedEqualsMapped(bufferSize: Int) throws {
        // With a 1 KB buffer many records are longer than it.
        try Self.withCapture(records: 3_000) { path in
            let mapped = try Self.read(path, bufferSize: 0)
            let buffered = try Self.read(path, bufferSize: bufferSize)
            #expect(mapped.result.records.count == 3_000 && mapped.result.warning == nil)
            #expect(buffered.result.records == mapped.result.records)
            #expect(buffered.result.warning == nil)
            #expect(buffered.buffered == (bufferSize > 0))
            // A file of many buffers is read ahead on a thread (`ReadAhead`); with 1 KB of room
            // for the straddling record most records do not fit, and the reader reads alone.
            if bufferSize == 4096 { #expect(buffered.swaps > 100, "\(buffered.swaps) read-ahead buffers") }
        }
    }

    @Test("a consumer keeping record bytes keeps them unchanged, and the reader goes on through the map")
    func keptBytesStayUnchanged() throws {
        try Self.withCapture(records: 3_000) { path in
            let mapped = try Self.read(path, bufferSize: 0)
            for keptRecord in [1, 17, 1_500] {
                let run = try Self.read(path, bufferSize: 8192, keepAt: keptRecord)
                #expect(run.result.records == mapped.result.records)
                #expect(!run.kept.isEmpty && run.keptAfter == run.kept, "record \(keptRecord)")
                #expect(!run.buffered, "the reader left its buffer to the consumer")
            }
        }
    }

    @Test("a file cut inside a record straddling a refill ends with the map's warning")
    func truncatedTail() throws {
        try Self.withCapture(records: 200) { path in
            let bytes = CaptureFiles.read(path)
            for cut in stride(from: bytes.count - 1, to: bytes.count - 3_000, by: -97) {
                CaptureFiles.write(Array(bytes.prefix(cut)), to: path)
                let mapped = try Self.read(path, bufferSize: 0)
                for size in [1024, 4096] {
                    let buffered = try Self.read(path, bufferSize: size)
                    #expect(buffered.result.records == mapped.result.records, "cut \(cut), buffer \(size)")
                    #expect(buffered.result.warning?.description == mapped.result.warning?.description, "cut \(cut)")
                    #expect(mapped.result.warning != nil)
                }
            }
        }
    }
}
