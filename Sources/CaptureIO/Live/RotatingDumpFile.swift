import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Writes live-captured packets to a pcap file as tcpdump's `-w` does, with its rotation
/// options: `-C` (millions of bytes per file), `-G` (seconds per file, the name a strftime
/// pattern) and `-W` (file count: a ring with `-C`, a stop after that many files with `-G`).
///
/// Flushed at every `flush()` (the capture loop calls it on each read timeout and every
/// few hundred packets) so that the file is valid and readable while capture goes on.
public final class RotatingDumpFile {
    public struct Rotation: Sendable {
        public var megabytes: Int?
        public var seconds: Int?
        public var fileCount: Int?
        public init(megabytes: Int? = nil, seconds: Int? = nil, fileCount: Int? = nil) {
            self.megabytes = megabytes
            self.seconds = seconds
            self.fileCount = fileCount
        }
    }

    public let pattern: String
    public let rotation: Rotation
    private let capture: LiveCapture
    private var dumper: OpaquePointer?
    private var sizeIndex = 0
    private var intervalStart: Int64 = 0
    private var intervalFiles = 0
    public private(set) var currentPath = ""
    public private(set) var writtenPaths: [String] = []
    /// Set when `-G` with `-W` has written its last file: the capture should stop.
    public private(set) var exhausted = false

    public init(pattern: String, rotation: Rotation, capture: LiveCapture, startTime: Int64) throws(CaptureError) {
        self.pattern = pattern
        self.rotation = rotation
        self.capture = capture
        intervalStart = startTime
        try open(at: startTime)
    }

    deinit { close() }

    /// Writes one packet, rotating first when the size or time limit is reached.
    public func write(_ record: CaptureRecord) throws(CaptureError) {
        let seconds = record.timestamp.seconds
        if let interval = rotation.seconds, interval > 0, seconds >= intervalStart + Int64(interval) {
            intervalFiles += 1
            if let count = rotation.fileCount, intervalFiles >= count {
                exhausted = true
                return
            }
            intervalStart = seconds - (seconds - intervalStart) % Int64(interval)
            sizeIndex = 0
            try reopen(at: intervalStart)
        } else if let megabytes = rotation.megabytes, megabytes > 0, let dumper,
                  pcap_dump_ftell64(dumper) > Int64(megabytes) * 1_000_000 {
            sizeIndex += 1
            if let count = rotation.fileCount, count > 0, rotation.seconds == nil { sizeIndex %= count }
            try reopen(at: intervalStart)
        }
        guard let dumper else { return }
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(record.timestamp.seconds)
        let sub = record.timestamp.subsecondNanoseconds
        header.ts.tv_usec = capture.precision == .nanoseconds ? Int(sub) : Int(sub / 1000)
        header.caplen = UInt32(clamping: record.bytes.count)
        header.len = UInt32(clamping: record.originalLength)
        guard let base = record.bytes.baseAddress else { return }
        pcap_dump(UnsafeMutableRawPointer(dumper), &header, base.assumingMemoryBound(to: UInt8.self))
    }

    /// Pushes buffered packets to the file; a failure (disk full) is an error naming the file.
    public func flush() throws(CaptureError) {
        guard let dumper else { return }
        if pcap_dump_flush(dumper) != 0 || ferror(pcap_dump_file(dumper)) != 0 {
            throw CaptureError(.writeFailed, path: currentPath, "writing the capture failed: \(String(cString: strerror(errno)))")
        }
    }

    public func close() {
        if let dumper { pcap_dump_close(dumper) }
        dumper = nil
    }

    private func reopen(at time: Int64) throws(CaptureError) {
        try flush()
        close()
        try open(at: time)
    }

    private func open(at time: Int64) throws(CaptureError) {
        let path = name(at: time)
        guard let dumper = pcap_dump_open(capture.handle, path) else {
            throw CaptureError(.writeFailed, path: path, "cannot create the capture file: \(String(cString: pcap_geterr(capture.handle)))")
        }
        self.dumper = dumper
        currentPath = path
        if !writtenPaths.contains(path) { writtenPaths.append(path) }
    }

    /// tcpdump's names: the pattern through strftime when `-G` is given, then a counter when
    /// `-C` rotates (none on the first file unless `-W` makes a ring, zero-padded to its width).
    func name(at time: Int64) -> String {
        var base = pattern
        if rotation.seconds != nil {
            var t = time_t(time)
            var fields = tm()
            localtime_r(&t, &fields)
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = strftime(&buffer, buffer.count, pattern, &fields)
            if n > 0 { base = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
        guard rotation.megabytes != nil else { return base }
        if let count = rotation.fileCount, count > 0 {
            let width = String(count - 1).count
            let digits = String(sizeIndex)
            return base + String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return sizeIndex == 0 ? base : base + String(sizeIndex)
    }
}
