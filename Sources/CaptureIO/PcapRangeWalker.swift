#if canImport(Glibc)
import Glibc
#endif

/// Walks the records of one byte range of a classic pcap file with `pread`, so that two
/// threads can each read part of one file (a mapping's page faults cost more system time than
/// `pread`'s copies). Records match `NativeCaptureReader`'s exactly, and so do its two ways of
/// stopping early (a truncated record, a captured length over the limit), with the same warning.
///
/// A range that does not start at the file's first record starts where `resynchronize` finds
/// a chain of plausible record headers: a guess, which the caller checks by walking up to it
/// from a known record boundary. One thread uses a walker at a time.
package final class PcapRangeWalker: @unchecked Sendable {
    /// What the file header says, and the limit the native reader applies.
    package struct Layout: Sendable {
        package var path: String
        package var swapped: Bool
        /// 1000 for microsecond files, 1 for nanosecond ones.
        package var fractionScale: Int64
        package var linkType: LinkType
        package var snapLength: Int
        package var maxRecordLength = NativeCaptureReader.Limits().maxRecordLength
    }

    package let layout: Layout
    private let fd: Int32
    /// File offset where the data ends (the file's size when it was opened).
    package let end: Int
    /// File offset of the next record header.
    package private(set) var offset: Int
    /// Set when the walk stopped before `end` at damage (as the native reader's warning).
    package private(set) var warning: CaptureWarning?
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// File offset of `buffer[0]`, and how many bytes from there are loaded.
    private var loadedStart = 0
    private var loadedCount = 0
    /// 256 KB: the walk finds the bytes just copied in the core's cache (1 MB cost 5% more CPU
    /// on the 400-image benchmark capture; 128 KB no less).
    private static let chunk = 256 << 10
    /// Buffer loads so far: bounds the work of a resynchronization that keeps stepping back.
    private var loads = 0

    /// Reads `path` (a regular, uncompressed classic pcap file of `fileSize` bytes) from `offset`.
    package init?(path: String, layout: Layout, fileSize: Int, from offset: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.layout = layout
        self.end = fileSize
        self.offset = offset
        capacity = PcapRangeWalker.chunk
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        loadedStart = offset
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Continues at `offset` (a record boundary another walk reached).
    package func seek(to offset: Int) { self.offset = offset }

    /// The classic pcap layout of a file the native reader opened, or nil when this walker
    /// cannot read it the same way (pcapng, gzip, the modified pcap's longer record header).
    package static func layout(of info: CaptureFileInfo, path: String, magic: UInt32) -> Layout? {
        guard info.format == .pcap, !info.compressed, let linkType = info.linkType else { return nil }
        let plain: Set<UInt32> = [0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1]
        guard plain.contains(magic) else { return nil }
        let hostBigEndian = 1.bigEndian == 1
        return Layout(path: path, swapped: (info.byteOrder == .bigEndian) != hostBigEndian,
                      fractionScale: info.precision == .nanoseconds ? 1 : 1000, linkType: linkType,
                      snapLength: info.snapLength)
    }

    /// The first four bytes of a file, as written (big-endian read).
    package static func magic(path: String) -> UInt32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        guard withUnsafeMutableBytes(of: &bytes, { pread(fd, $0.baseAddress, 4, 0) }) == 4 else { return nil }
        return UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
    }

    /// Makes `[start, start + count)` readable in the buffer; nil when the file ends before.
    @inline(__always)
    private func view(_ start: Int, _ count: Int) -> UnsafeRawPointer? {
        if start >= loadedStart && start &+ count <= loadedStart &+ loadedCount {
            return UnsafeRawPointer(buffer + (start &- loadedStart))
        }
        return load(start, count)
    }

    private func load(_ start: Int, _ count: Int) -> UnsafeRawPointer? {
        loads &+= 1
        guard count >= 0, start >= 0, start <= end, count <= end &- start else { return nil }
        // Keep what is loaded from `start` on, then read on to a full chunk (or the file's end).
        var kept = 0
        if start >= loadedStart && start < loadedStart &+ loadedCount {
            kept = loadedStart &+ loadedCount &- start
            memmove(buffer, buffer + (start &- loadedStart), kept)
        }
        let wanted = min(max(count, PcapRangeWalker.chunk), end &- start)
        if wanted > capacity {
            let larger = UnsafeMutableRawPointer.allocate(byteCount: wanted, alignment: 16)
            larger.copyMemory(from: buffer, byteCount: kept)
            buffer.deallocate()
            buffer = larger
            capacity = wanted
        }
        loadedStart = start
        loadedCount = kept
        while loadedCount < wanted {
            let got = pread(fd, buffer + loadedCount, wanted &- loadedCount, off_t(start &+ loadedCount))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            loadedCount &+= got
        }
        return loadedCount >= count ? UnsafeRawPointer(buffer) : nil
    }

    /// The next record, or nil at the end of the data or at damage (`warning`); records end
    /// at `limit` too (the next range's first record), where nil leaves no warning.
    @inline(__always)
    package func next(before limit: Int = .max) -> CaptureRecord? {
        let start = offset
        guard start < limit else { return nil }
        guard let h = view(start, 16) else { return endOfData(start, needed: 16, what: "packet record header") }
        let header = PcapRecordHeader(h, swapped: layout.swapped)
        let capturedLength = header.capturedLength
        guard capturedLength <= layout.maxRecordLength else {
            warning = CaptureWarning(path: layout.path, offset: start,
                                     message: PcapRecordHeader.tooLong(capturedLength, limit: layout.maxRecordLength))
            return nil
        }
        guard let data = view(start &+ 16, capturedLength) else {
            return endOfData(start, needed: 16 &+ capturedLength, what: "packet record")
        }
        offset = start &+ 16 &+ capturedLength
        return header.record(bytes: data, fractionScale: layout.fractionScale, linkType: layout.linkType, at: start)
    }

    private func endOfData(_ start: Int, needed: Int, what: String) -> CaptureRecord? {
        let left = end &- start
        if left > 0 && warning == nil {
            warning = CaptureWarning(path: layout.path, offset: start,
                                     message: PcapRecordHeader.truncated(left: left, needed: needed, what: what))
        }
        return nil
    }

    /// Moves to the first offset at or after `from` (within `window` bytes) where `chain`
    /// record headers in a row are plausible: captured length within the snap length and the
    /// original length, a fraction below one second, seconds within `secondsRange`; the chain
    /// may end exactly at the end of the file. False when none is found (or the search
    /// reloaded its buffer too often).
    package func resynchronize(from: Int, window: Int, chain: Int, secondsRange: ClosedRange<UInt32>) -> Bool {
        let limit = min(layout.snapLength > 0 ? layout.snapLength : layout.maxRecordLength, layout.maxRecordLength)
        let fractionLimit: UInt32 = layout.fractionScale == 1 ? 1_000_000_000 : 1_000_000
        var candidate = from
        // Each candidate whose chain runs past the loaded bytes loads again from the candidate
        // after it: a payload full of plausible headers must not make this quadratic.
        let maxLoads = loads &+ 64
        while candidate < min(from &+ window, end), loads < maxLoads {
            var at = candidate
            var found = 0
            while found < chain {
                if at == end { found = chain; break }
                guard let h = view(at, 16) else { break }
                let header = PcapRecordHeader(h, swapped: layout.swapped)
                let captured = header.capturedLength
                guard captured <= limit, captured <= header.originalLength, header.fraction < fractionLimit,
                      secondsRange.contains(header.seconds), captured <= end &- at &- 16 else { break }
                at &+= 16 &+ captured
                found &+= 1
            }
            if found == chain {
                offset = candidate
                return true
            }
            candidate &+= 1
        }
        return false
    }
}
