import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// `BufferedFileOutput.copyRange`, the copy of a split's verbatim pieces: through a `SplicePipe`,
/// through `sendfile`, or with read and write, the file holds what was written before it and
/// then exactly the source's bytes, whatever the offsets' place within a page and whatever the
/// count against the pipe's 1 MB; a source that ends early and a destination that fills up are
/// errors naming the file, and a pipe left broken by one is not used again.
@Suite struct KernelCopyTests {
    /// 5 MB of pseudo-random bytes, so a byte out of place or a range off by one shows.
    static let source: [UInt8] = {
        var rng = SplitMix64(seed: 1_048_583)
        return (0..<(5 << 20)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }()

    static func withSource(_ body: (_ directory: URL, _ descriptor: Int32) throws -> Void) throws {
        let directory = CaptureFiles.temporaryDirectory("kernelcopy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("source.bin").path
        CaptureFiles.write(source, to: path)
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try body(directory, descriptor)
    }

    /// A header of `headerLength` bytes, then `count` bytes of the source from `offset`.
    static func copied(offset: Int, count: Int, headerLength: Int, pipe: SplicePipe?, directory: URL,
                       source: Int32) throws -> [UInt8] {
        let path = directory.appendingPathComponent("piece-\(offset)-\(count)").path
        let output = try BufferedFileOutput(path: path)
        let header = UnsafeMutableRawBufferPointer.allocate(byteCount: headerLength, alignment: 1)
        defer { header.deallocate() }
        header.initializeMemory(as: UInt8.self, repeating: 0xa5)
        try output.write(UnsafeRawBufferPointer(header))
        try output.copyRange(from: source, offset: offset, count: count, through: pipe)
        #expect(output.bytesWritten == headerLength + count)
        try output.commit()
        return CaptureFiles.read(path)
    }

    static let ranges: [(offset: Int, count: Int)] = [
        (0, 0), (3, 10), (24, 1 << 20), (4095, (3 << 20) + 17), ((1 << 20) - 5, (2 << 20) + 9), (4096, 65_536),
        (777, (5 << 20) - 777),
    ]

    @Test("the file holds the header and then the source's bytes of the range", arguments: [true, false])
    func copiesTheRange(throughPipe: Bool) throws {
        let pipe = throughPipe ? SplicePipe() : nil
        if throughPipe { try #require(pipe != nil, "a 1 MB pipe could not be made") }
        try Self.withSource { directory, source in
            for (offset, count) in Self.ranges {
                let bytes = try Self.copied(offset: offset, count: count, headerLength: 24, pipe: pipe,
                                            directory: directory, source: source)
                #expect(bytes.count == 24 + count, "offset \(offset), count \(count)")
                #expect(bytes.prefix(24).allSatisfy { $0 == 0xa5 })
                #expect(bytes.dropFirst(24).elementsEqual(Self.source[offset..<(offset + count)]),
                        "offset \(offset), count \(count)")
            }
            #expect(pipe?.isBroken != true)
        }
    }

    @Test("a range past the source's end fails naming the file and leaves none", arguments: [true, false])
    func sourceEndingEarly(throughPipe: Bool) throws {
        let pipe = throughPipe ? SplicePipe() : nil
        try Self.withSource { directory, source in
            let path = directory.appendingPathComponent("short.pcap").path
            let output = try BufferedFileOutput(path: path)
            let error = #expect(throws: CaptureError.self) {
                try output.copyRange(from: source, offset: Self.source.count - 100, count: 2 << 20, through: pipe)
            }
            #expect(error?.kind == .writeFailed)
            #expect(error?.description.contains("short.pcap") == true)
            #expect(error?.description.contains("the input ended early") == true)
            output.discard()
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(!FileManager.default.fileExists(atPath: output.temporaryPath))
            // The source's last 100 bytes went through the pipe, and out of it: it is still usable.
            #expect(pipe?.isBroken != true)
            let bytes = try Self.copied(offset: 10, count: 300_000, headerLength: 0, pipe: pipe, directory: directory,
                                        source: source)
            #expect(bytes.elementsEqual(Self.source[10..<300_010]))
        }
    }

    /// /dev/full takes no splice (EINVAL), so the pipe's bytes go out with write, which fails
    /// (ENOSPC): the bytes stay in the pipe, and a pipe with bytes in it would block the next
    /// splice into it for ever.
    @Test("a full destination is an error, and the pipe it broke is not used again")
    func fullDestination() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let pipe = try #require(SplicePipe())
        try Self.withSource { directory, source in
            let output = try BufferedFileOutput(path: "/dev/full", inPlace: true)
            let error = #expect(throws: CaptureError.self) {
                try output.copyRange(from: source, offset: 0, count: 3 << 20, through: pipe)
            }
            #expect(error?.description.contains(String(cString: strerror(ENOSPC))) == true, "\(String(describing: error))")
            output.discard()
            // Checked before the pipe is used again: a splice into it would wait for ever.
            try #require(pipe.isBroken)
            let bytes = try Self.copied(offset: 5, count: 2 << 20, headerLength: 24, pipe: pipe, directory: directory,
                                        source: source)
            #expect(bytes.dropFirst(24).elementsEqual(Self.source[5..<((2 << 20) + 5)]))
        }
    }
}
