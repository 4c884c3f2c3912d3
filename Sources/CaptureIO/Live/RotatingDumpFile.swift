import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Writes live-captured packets as tcpdump's `-w` does, in pcap (through libpcap's
/// `pcap_dump`, the reference writer) or pcapng (our `PcapngFileWriter`, in place), with
/// tcpdump's rotation options (`FileRotation`: `-C`, `-G`, `-W`).
///
/// Each file is under its final name from its first byte, and `flush()` (the capture loop
/// calls it a few times a second and when the interface is idle) makes everything captured so
/// far readable: other tools can follow the file while capture goes on.
public final class RotatingDumpFile {
    /// The naming and rotation rules, with their counters.
    public private(set) var rotation: FileRotation
    /// pcap or pcapng.
    public let format: CaptureOutputFormat
    private let capture: LiveCapture
    private var dumper: OpaquePointer?
    private var pcapng: PcapngFileWriter?
    /// The file being written.
    public private(set) var currentPath = ""
    /// Every file name used, in order of first use (a `-W` ring reuses names).
    public private(set) var writtenPaths: [String] = []
    /// Set when `-G` with `-W` has written its last file: the capture should stop.
    public private(set) var exhausted = false

    /// Opens the first file (named by `rotation`, whose start is where `-G` intervals count from).
    public init(rotation: FileRotation, format: CaptureOutputFormat, capture: LiveCapture) throws(CaptureError) {
        self.rotation = rotation
        self.format = format
        self.capture = capture
        try open(rotation.currentName)
    }

    deinit {
        if let dumper { pcap_dump_close(dumper) }
        pcapng?.abandon()
    }

    /// Bytes in the current file so far (what `-C` compares with).
    public var currentSize: Int64 {
        if let dumper { return pcap_dump_ftell64(dumper) }
        return Int64(pcapng?.bytesWritten ?? 0)
    }

    /// Writes one packet captured at wall-clock second `now`, rotating first when the size or
    /// time limit says so. Does nothing once `exhausted`.
    public func write(_ record: CaptureRecord, now: Int64) throws(CaptureError) {
        guard !exhausted else { return }
        switch rotation.decide(now: now, size: currentSize) {
        case .keep:
            break
        case .rotate(let name):
            try closeCurrent()
            try open(name)
        case .stop:
            try closeCurrent()
            exhausted = true
            return
        }
        if let pcapng {
            try pcapng.write(record)
            return
        }
        guard let dumper, let base = record.bytes.baseAddress else { return }
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(record.timestamp.seconds)
        let sub = record.timestamp.subsecondNanoseconds
        header.ts.tv_usec = capture.precision == .nanoseconds ? Int(sub) : Int(sub / 1000)
        header.caplen = UInt32(clamping: record.bytes.count)
        header.len = UInt32(clamping: record.originalLength)
        pcap_dump(UnsafeMutableRawPointer(dumper), &header, base.assumingMemoryBound(to: UInt8.self))
    }

    /// Pushes buffered packets to the file; a failure (disk full) is an error naming the file.
    public func flush() throws(CaptureError) {
        if let pcapng { try pcapng.flush() }
        guard let dumper else { return }
        // pcap_dump has no error return: stdio keeps the error until the flush.
        if pcap_dump_flush(dumper) != 0 || ferror(pcap_dump_file(dumper)) != 0 {
            let reason = String(cString: strerror(errno))
            throw CaptureError(.writeFailed, path: currentPath, "writing the capture failed: \(reason)")
        }
    }

    /// Flushes and closes the current file.
    public func close() throws(CaptureError) {
        try closeCurrent()
    }

    private func closeCurrent() throws(CaptureError) {
        defer {
            if let dumper { pcap_dump_close(dumper) }
            dumper = nil
            pcapng?.abandon()
            pcapng = nil
        }
        try flush()
        try pcapng?.finish()
    }

    private func open(_ path: String) throws(CaptureError) {
        switch format {
        case .pcap:
            guard let dumper = pcap_dump_open(capture.handle, path) else {
                // libpcap's message is "PATH: reason"; the error names the path already.
                var reason = String(cString: pcap_geterr(capture.handle))
                if reason.hasPrefix(path + ": ") { reason.removeFirst(path.count + 2) }
                throw CaptureError(.writeFailed, path: path, "cannot create the capture file: \(reason)")
            }
            self.dumper = dumper
        case .pcapng:
            pcapng = try PcapngFileWriter(path: path, interfaces: [capture.interface], bufferSize: 256 << 10, inPlace: true)
        }
        currentPath = path
        if !writtenPaths.contains(path) { writtenPaths.append(path) }
    }
}
