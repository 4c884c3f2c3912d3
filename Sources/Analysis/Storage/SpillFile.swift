#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Timeline

/// Bytes appended to an anonymous temporary file and read back by offset.
///
/// A 2 GB capture can hold a hundred thousand SQL commands, a few hundred megabytes once decoded;
/// the reports need each of them once or twice, in start order, long after they completed. The
/// page cache is the right place for them, not the heap: `pread` leaves no page of the file in
/// our resident set, so memory stays flat however long the capture is.
///
/// The file is unlinked as soon as it is created (nothing is left behind, even after a crash).
/// Until `flushThreshold` bytes are pending no file is made at all, so small captures never touch
/// the disk. If the file cannot be created or written (no `TMPDIR`, disk full), the bytes stay in
/// memory: slower to grow, never wrong; `failure` says why.
package final class SpillFile: FactBytes, ConcurrentlyReadableFactBytes {
    private var descriptor: Int32 = -1
    /// Bytes already in the file.
    private var flushedCount = 0
    /// Bytes appended since the last flush (offsets `flushedCount...`).
    private var pending: [UInt8] = []
    private var readAhead = ReadAhead()
    package private(set) var failure: String?

    static let flushThreshold = 1 << 20
    static let readAheadBytes = 256 << 10
    /// A reader of its own reads less at a time: several of them are alive at once.
    static let readerReadAheadBytes = 128 << 10

    var count: Int { flushedCount &+ pending.count }

    /// Where the temporary file goes: `directory`, else `$TMPDIR`, else /tmp.
    private let directory: String?
    /// What the file holds, for the warning ("SQL commands").
    private let contents: String

    package init(directory: String? = nil, contents: String) {
        self.directory = directory
        self.contents = contents
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends what `write` adds to the buffer it is given; returns where the bytes start.
    package func append(_ write: (inout [UInt8]) -> Void) -> (offset: Int, length: Int) {
        let offset = count
        write(&pending)
        let length = count &- offset
        if pending.count >= SpillFile.flushThreshold, failure == nil { flush() }
        return (offset, length)
    }

    /// Gives `body` the `length` bytes at `offset` (from the file or from memory); nil when the
    /// range was never appended or cannot be read back.
    package func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        read(at: offset, length: length, through: &readAhead, body)
    }

    /// A reader with a read-ahead buffer of its own, for another thread: `pread` needs no lock,
    /// and nothing else changes once the file is written (`finishWriting`).
    package func makeReader() -> any FactByteReading { Reader(self) }

    /// Reads the bytes at `offset` from memory, or from the file through `buffer`.
    private func read<R>(at offset: Int, length: Int, through buffer: inout ReadAhead,
                         _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard offset >= 0, length >= 0, offset <= count &- length else { return nil }
        if offset >= flushedCount {
            let start = offset &- flushedCount
            return pending.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<(start &+ length)])) }
        }
        if offset < buffer.start || offset &+ length > buffer.start &+ buffer.bytes.count {
            guard buffer.fill(from: descriptor, at: offset, atLeast: length, fileLength: flushedCount) else { return nil }
        }
        let start = offset &- buffer.start
        return buffer.bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<(start &+ length)])) }
    }

    /// A reader of the written file for one thread (see `makeReader()`).
    private final class Reader: FactByteReading {
        private let file: SpillFile
        private var buffer = ReadAhead(length: SpillFile.readerReadAheadBytes)

        init(_ file: SpillFile) {
            self.file = file
        }

        func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
            file.read(at: offset, length: length, through: &buffer, body)
        }
    }

    /// Writes out the buffered bytes and frees the buffer (up to 1.5 MB a spill), which the
    /// reads of the timeline need not: they go through `readAhead`.
    package func finishWriting() {
        if !pending.isEmpty {
            guard failure == nil else { return }
            flush()
        }
        if pending.isEmpty { pending = [] }
    }

    private func flush() {
        if descriptor < 0 {
            guard open() else { return }
        }
        var written = 0
        let ok = pending.withUnsafeBytes { bytes -> Bool in
            while written < bytes.count {
                let n = pwrite(descriptor, bytes.baseAddress! + written, bytes.count &- written, off_t(flushedCount &+ written))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                written &+= n
            }
            return true
        }
        guard ok else {
            // Keep every byte readable: what reached the file stays there, the rest in memory.
            failure = "cannot write the temporary file for \(contents) (\(String(cString: strerror(errno)))); they are kept in memory"
            if written > 0 {
                flushedCount &+= written
                pending.removeFirst(written)
            }
            return
        }
        flushedCount &+= written
        pending.removeAll(keepingCapacity: true)
    }

    private func open() -> Bool {
        var directory = self.directory ?? getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if directory.isEmpty { directory = "/tmp" }
        var template = Array((directory + "/glancetrace-spill-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            failure = "cannot create a temporary file in \(directory) (\(String(cString: strerror(errno)))); \(contents) are kept in memory"
            return false
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
        return true
    }
}

/// File bytes read ahead of the offset asked for: records are read back roughly in the order
/// they were written, so one read serves the next many.
private struct ReadAhead {
    /// Bytes read at a time (unless one record is longer).
    var length = SpillFile.readAheadBytes
    var bytes: [UInt8] = []
    /// The file offset of `bytes[0]`.
    var start = 0

    /// Reads the file `descriptor` (of `fileLength` bytes) from `offset` into `bytes`.
    mutating func fill(from descriptor: Int32, at offset: Int, atLeast length: Int, fileLength: Int) -> Bool {
        let wanted = min(max(length, self.length), fileLength &- offset)
        guard wanted >= length else { return false }
        if bytes.count != wanted { bytes = [UInt8](repeating: 0, count: wanted) }
        var done = 0
        let ok = bytes.withUnsafeMutableBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return wanted == 0 }
            while done < wanted {
                let n = pread(descriptor, base + done, wanted &- done, off_t(offset &+ done))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                done &+= n
            }
            return true
        }
        start = offset
        if !ok { bytes = []; return false }
        return true
    }
}

extension FactStore {
    /// A store whose facts go to a temporary file in `spillDirectory` (else `$TMPDIR`, else /tmp)
    /// once they pass `SpillFile.flushThreshold` bytes.
    package convenience init(spillDirectory: String?) {
        self.init(storage: SpillFile(directory: spillDirectory, contents: Fact.pluralName))
    }
}
