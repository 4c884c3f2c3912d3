#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Our own capture reader: classic pcap and pcapng, plain or gzip-compressed.
///
/// Plain files are read into one buffer (`ReadBuffer`) and every record is a view into it: no
/// allocation per record. Once a consumer keeps record bytes (`StableMemory`), the rest of the
/// file is read through its memory map instead, where every record is a view that stays valid as
/// long as the map lives. gzip-compressed files (and pipes) go through one bounded buffer.
/// Memory stays constant whatever the file size.
///
/// Damage never traps: the reader returns every record before it, then nil with `warning` set.
///
/// ```swift
/// let reader = try NativeCaptureReader(path: "capture.pcapng.gz")
/// while let record = try reader.next() { use(record.timestamp, record.bytes) }
/// if let warning = reader.warning { print(warning) }
/// ```
public final class NativeCaptureReader: CaptureReader {
    /// Sanity caps on lengths read from the file, checked before any use.
    public struct Limits: Sendable {
        /// Largest pcapng block accepted (libpcap's own cap is 16 MiB).
        public var maxBlockLength: Int = 16 << 20
        /// Largest captured length of a classic pcap record.
        public var maxRecordLength: Int = 16 << 20
        /// Most interfaces (IDBs) over all sections of a pcapng file.
        public var maxInterfaces: Int = 1 << 16
        /// Most bytes of decryption secrets kept; later DSBs are skipped.
        public var maxSecretsBytes: Int = 64 << 20
        /// How often (in bytes read) consumed pages of a mapped file are given back.
        /// (1 MB: each megabyte kept costs resident memory, each release one madvise call.)
        public var releaseInterval: Int = 1 << 20
        /// How far ahead of the reader a thread of its own maps a mapped file's pages, so that the
        /// reader does not fault (`MappedPageKeeper`); files up to twice this get no thread.
        /// 0: no thread, the reader faults and releases pages itself.
        public var populateDistance: Int = 1 << 20
        /// Size of the buffer a plain file is read into (`ReadBuffer`) as long as no consumer
        /// keeps record bytes; after that, and for records longer than it, the file is read
        /// through its map. 0: through the map from the start.
        /// (256 KB: the bytes read are still in the core's cache when the records are parsed.)
        public var readBufferSize: Int = 256 << 10
        /// Whether a file of many buffers is read ahead on a thread of its own (`ReadAhead`):
        /// the copy then runs beside the reader. A caller that already keeps every core busy
        /// (several readers at once) saves the thread's hand-overs without it. Off, the kernel
        /// is not asked to read the map's first pages ahead either (`info`'s header reader).
        public var readsAhead = true
        public init() {}
    }

    public internal(set) var info: CaptureFileInfo
    public internal(set) var warning: CaptureWarning?
    public internal(set) var linkTypes: [LinkType] = []
    public internal(set) var interfaces: [CaptureInterface] = []
    public internal(set) var secrets: [DecryptionSecrets] = []
    /// pcapng Interface Statistics Blocks met so far, the last one per interface.
    public var interfaceStatistics: [InterfaceStatistics] { collectedStatistics }
    var collectedStatistics: [InterfaceStatistics] = []
    /// Mapped files: the offset reached. gzip files: compressed bytes read, so that the ratio to
    /// `fileSize` stays a true progress fraction.
    public var bytesConsumed: Int { streamed?.rawConsumed ?? cursor }
    public let fileSize: Int
    /// Offset in the uncompressed file of the next record (or block) to read.
    public var uncompressedOffset: Int { cursor }
    public let limits: Limits

    // The per-record path reads and writes the properties marked `@exclusivity(unchecked)`.
    // The class is not Sendable and never hands out inout access to them, so the runtime's
    // dynamic exclusivity checks (a measurable share of a header-only read) can only cost.

    // The window of file bytes addressable right now: the whole map, or the stream's buffer.
    @exclusivity(unchecked) var base: UnsafeRawPointer?
    @exclusivity(unchecked) var windowStart = 0
    @exclusivity(unchecked) var windowEnd = 0
    let mapped: MappedFile?
    let streamed: StreamedFile?
    /// A plain file read with `pread` (until a consumer keeps its bytes), and the descriptor it
    /// is read from (-1 once closed).
    var readBuffer: ReadBuffer?
    private var descriptor: Int32 = -1
    /// The file bytes in the window are a part of the map (a record longer than `readBuffer`),
    /// whose pages are given back when the reader leaves it.
    private var mapExcursion = false
    /// The thread reading the next part of the file meanwhile (`ReadAhead`), once started.
    private var readAhead: ReadAhead?
    private var readAheadStarted = false
    /// Buffers the read-ahead thread filled and the reader went on in (for the tests).
    private(set) var readAheadSwaps = 0
    /// Cursor offset at which the map next wants `upkeep`; a single compare per record.
    private var nextMapUpkeep = 0
    private var recordCount = 0
    private var recordCountAtUpkeep = 0

    @exclusivity(unchecked) var cursor = 0
    /// `info.format`, kept apart so that the per-record dispatch reads one byte, not `info`.
    var format = CaptureFormat.pcap
    @exclusivity(unchecked) var finished = false
    /// Byte order of the pcap file or the current pcapng section differs from the host's.
    @exclusivity(unchecked) var swapped = false

    // Classic pcap.
    var pcapRecordHeaderLength = 16
    var pcapFractionScale: Int64 = 1000
    var pcapLinkType = LinkType.ethernet

    // pcapng: per-interface state for the hot path, parallel to `interfaces`.
    struct InterfaceState {
        var linkType: LinkType
        var snapLength: Int
        var scale: TimestampScale
    }
    @exclusivity(unchecked) var interfaceStates: [InterfaceState] = []
    @exclusivity(unchecked) var sectionFirstInterface = 0
    /// Interfaces of the current section: `interfaceStates[sectionFirstInterface...]`.
    @exclusivity(unchecked) var sectionInterfaceCount = 0
    var sectionCount = 0
    var secretsBytes = 0

    /// Opens `path` and reads its file header (pcap) or first section header (pcapng).
    /// - Throws: `CaptureError` `.unreadable` when the file cannot be opened or read,
    ///   `.notACapture` when it is empty or starts with no pcap, pcapng or gzip magic.
    ///
    /// A `path` of `-` reads standard input: a pipe or FIFO streams through one bounded buffer,
    /// a regular file redirected to it is mapped like any other.
    public init(path: String, limits: Limits = Limits()) throws(CaptureError) {
        self.limits = limits
        let readsStandardInput = path == CaptureInput.standardInput
        let fd = readsStandardInput ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CaptureError(.unreadable, path: path, "cannot open the file: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw CaptureError(.unreadable, path: path, "cannot read the file's status: \(reason)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw CaptureError(.unreadable, path: path, "is a directory, not a capture file")
        }
        // Standard input redirected from a file is mapped only from its start: a shell may hand
        // it over part read (`(head -c 24; glancetrace analyze -) < F`).
        let isRegular = (st.st_mode & S_IFMT) == S_IFREG && (!readsStandardInput || lseek(fd, 0, SEEK_CUR) == 0)
        fileSize = isRegular ? Int(st.st_size) : 0
        if isRegular && fileSize == 0 {
            close(fd)
            throw CaptureError(.notACapture, path: path, "is empty, not a capture file")
        }
        var magic: (UInt8, UInt8) = (0, 0)
        let sniffed = isRegular ? withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, 0) } : 0
        let gzip = sniffed == 2 && magic.0 == 0x1f && magic.1 == 0x8b
        if isRegular && !gzip, let map = MappedFile(fd: fd, count: fileSize, releaseInterval: limits.releaseInterval,
                                                         readsAhead: limits.readsAhead) {
            mapped = map
            streamed = nil
            if limits.readBufferSize > 0 {
                readBuffer = ReadBuffer(capacity: limits.readBufferSize)
                descriptor = fd
                nextMapUpkeep = .max
                _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
            } else {
                close(fd) // the map keeps the file alive
                map.beginReading(at: 0, populateDistance: limits.populateDistance)
                base = map.base
                windowEnd = map.count
            }
        } else {
            mapped = nil
            streamed = try StreamedFile(fd: fd, path: path)
        }
        // Placeholder until the header is read; every path below either sets it or throws.
        info = CaptureFileInfo(path: path, format: .pcap, byteOrder: .littleEndian, precision: .microseconds,
                               compressed: streamed?.isGzip ?? false, snapLength: 0, linkType: nil)
        try readFileHeader()
    }

    /// The next packet record; nil at the end of the file or at damage (see `warning`).
    /// The record's bytes stay valid until the next call.
    public func next() throws(CaptureError) -> CaptureRecord? {
        if finished { return nil }
        recordCount &+= 1
        if cursor >= nextMapUpkeep, let mapped {
            // The previous record is no longer valid, so every page before `cursor` may go.
            nextMapUpkeep = mapped.upkeep(at: cursor, recordsSinceLast: recordCount &- recordCountAtUpkeep)
            recordCountAtUpkeep = recordCount
        }
        let record: CaptureRecord?
        switch format {
        case .pcap: record = try nextPcapRecord()
        case .pcapng: record = try nextPcapngRecord()
        }
        // At the end, every page read goes: the timeline is built after the last record, and the
        // pages since the last upkeep (up to `releaseInterval`) would stay resident through it.
        if record == nil, let mapped {
            stopReadAhead()
            mapped.releaseAll()
        }
        return record
    }

    deinit {
        stopReadAhead()
        if descriptor >= 0 { close(descriptor) }
    }

    private func readFileHeader() throws(CaptureError) {
        let path = info.path
        guard let p = try view(0, 4) else {
            let size = max(windowEnd, 0)
            if let problem = streamed?.problem {
                throw CaptureError(.notACapture, path: path, "is gzip-compressed but \(problem) before a capture header")
            }
            if size == 0 { throw CaptureError(.notACapture, path: path, "is empty, not a capture file") }
            throw CaptureError(.notACapture, path: path, "is only \(size) bytes long, too short to be a capture file")
        }
        let magic = p.loadUnaligned(as: UInt32.self).bigEndian
        switch magic {
        case 0x0A0D_0D0A:
            try readFirstSectionHeader()
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0xA1B2_CD34, 0x34CD_B2A1:
            try readPcapFileHeader(magic: magic)
        default:
            let hex = (0..<4).map { i -> String in
                let byte = p.load(fromByteOffset: i, as: UInt8.self)
                return (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }.joined(separator: " ")
            let what = info.compressed ? "its gzip-compressed content starts" : "it starts"
            throw CaptureError(.notACapture, path: path, offset: 0,
                               "is not a pcap or pcapng capture: \(what) with \(hex), not a capture file magic")
        }
    }

    // MARK: - Window access shared by both formats

    /// A pointer to the file bytes `[offset, offset + count)`, or nil when the file ends first.
    /// Valid until the next call (a streamed window may move).
    @inline(__always)
    func view(_ offset: Int, _ count: Int) throws(CaptureError) -> UnsafeRawPointer? {
        if offset >= windowStart, count <= windowEnd &- offset, let base {
            return base + (offset &- windowStart)
        }
        return try refill(offset, count)
    }

    private func refill(_ offset: Int, _ count: Int) throws(CaptureError) -> UnsafeRawPointer? {
        if mapped != nil { return try refillPlain(offset, count) }
        guard let streamed, offset >= windowStart, count >= 0 else { return nil }
        // Keep the bytes from the current record on: a look-ahead (the first-interface peek)
        // must not drop what `next()` has yet to read.
        try streamed.fill(keeping: min(offset, cursor), through: offset &+ count)
        base = UnsafeRawPointer(streamed.buffer)
        windowStart = streamed.bufferStart
        windowEnd = streamed.bufferStart &+ streamed.bufferCount
        guard let base, offset >= windowStart, count <= windowEnd &- offset else { return nil }
        return base + (offset &- windowStart)
    }

    /// The window of a plain file: the read buffer refilled, a part of the map for a record
    /// longer than the buffer, or the whole map once a consumer keeps the buffer's bytes.
    private func refillPlain(_ offset: Int, _ count: Int) throws(CaptureError) -> UnsafeRawPointer? {
        guard let mapped, readBuffer != nil, offset >= 0, count >= 0 else { return nil }
        // Keep the bytes from the current record on (see `refill`).
        let keep = min(offset, cursor)
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, keep >= 0 else { return nil }
        if mapExcursion {
            mapped.release(from: windowStart, to: windowEnd)
            mapExcursion = false
        }
        if !isKnownUniquelyReferenced(&readBuffer) {
            // A consumer keeps bytes of the buffer: they must not change, so it is theirs now.
            readThroughMap(mapped)
            return offset <= windowEnd && count <= windowEnd &- offset ? mapped.base + offset : nil
        }
        guard let buffer = readBuffer else { return nil }
        if let ahead = readAhead {
            if let next = ahead.take(), next.carry(from: buffer, keeping: keep),
               end <= next.start &+ next.count || next.reachedEnd {
                readBuffer = next
                readAheadSwaps &+= 1
                useWindow(of: next)
                // The old buffer was checked above: no consumer keeps its bytes. (The first one,
                // filled here, is smaller than those the thread fills.)
                if next.reachedEnd {
                    stopReadAhead()
                } else {
                    ahead.fill(buffer.capacity == next.capacity ? buffer : ReadBuffer(capacity: next.capacity), from: windowEnd)
                }
                guard offset >= windowStart, end <= windowEnd, let base else { return nil }
                return base + (offset &- windowStart)
            }
            stopReadAhead()
        }
        if end &- keep <= buffer.capacity {
            try buffer.fill(from: descriptor, path: info.path, keeping: keep, through: end)
            useWindow(of: buffer)
            startReadAhead(after: buffer)
        } else {
            // Longer than the buffer (a huge record, or a claim of one): read through the map,
            // which needs no memory for it, and given back as soon as the reader moves on.
            base = mapped.base + keep
            windowStart = keep
            windowEnd = max(min(end, mapped.count), keep)
            mapExcursion = true
        }
        guard offset >= windowStart, end <= windowEnd, let base else { return nil }
        return base + (offset &- windowStart)
    }

    private func useWindow(of buffer: ReadBuffer) {
        base = UnsafeRawPointer(buffer.memory + buffer.front)
        windowStart = buffer.start
        windowEnd = buffer.start &+ buffer.count
    }

    /// On a file of many buffers, the next part is read on a thread of its own from the first
    /// fill on; once (after a stop, the rest is read here).
    private func startReadAhead(after buffer: ReadBuffer) {
        guard !readAheadStarted, !buffer.reachedEnd, limits.readsAhead else { return }
        readAheadStarted = true
        let room = limits.readBufferSize
        guard fileSize / 8 >= 3 &* room, let ahead = ReadAhead(fd: descriptor, carryRoom: room) else { return }
        readAhead = ahead
        ahead.fill(ReadBuffer(capacity: 3 &* room), from: buffer.start &+ buffer.count)
    }

    private func stopReadAhead() {
        readAhead?.stop()
        readAhead = nil
    }

    /// From here on the file is read through its map, the read buffer being left to the
    /// consumers that keep its bytes.
    private func readThroughMap(_ mapped: MappedFile) {
        stopReadAhead()
        readBuffer = nil
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        base = mapped.base
        windowStart = 0
        windowEnd = mapped.count
        mapped.beginReading(at: cursor, populateDistance: limits.populateDistance)
        nextMapUpkeep = cursor
    }

    @inline(__always)
    func load32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        let v = p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always)
    func load16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        let v = p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always)
    func load64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        let v = p.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return swapped ? v.byteSwapped : v
    }

    // MARK: - Ending

    /// Stops reading for good at damage found at `offset`.
    func stop(at offset: Int, _ message: String) -> CaptureRecord? {
        finished = true
        warning = CaptureWarning(path: info.path, offset: offset, message: message)
        return nil
    }

    /// The data ran out while reading the record or block at `start` that needs `needed` bytes:
    /// a clean end when nothing at all is left, truncation otherwise.
    func endOfData(recordAt start: Int, needed: Int, what: String) -> CaptureRecord? {
        let left = windowEnd &- start
        if left <= 0 {
            finished = true
            if let problem = streamed?.problem {
                warning = CaptureWarning(path: info.path, offset: start, message: problem)
            }
            return nil
        }
        if let problem = streamed?.problem {
            return stop(at: start, "\(problem), inside a \(what)")
        }
        return stop(at: start, PcapRecordHeader.truncated(left: left, needed: needed, what: what))
    }

    func noteLinkType(_ linkType: LinkType) {
        if !linkTypes.contains(linkType) { linkTypes.append(linkType) }
    }
}
