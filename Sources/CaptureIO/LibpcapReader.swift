import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Reads a capture through libpcap's `pcap_next_ex`: the reference the native reader is
/// checked against. Timestamps are asked for in nanoseconds so no precision is lost.
public final class LibpcapReader: CaptureReader {
    public let info: CaptureFileInfo
    public private(set) var warning: CaptureWarning?
    public let linkTypes: [LinkType]
    public let interfaces: [CaptureInterface]
    public var secrets: [DecryptionSecrets] { [] }
    public private(set) var bytesConsumed = 0
    public let fileSize: Int

    private let handle: OpaquePointer
    private let linkType: LinkType
    private var finished = false

    /// Opens `path` (`-`: standard input) with `pcap_open_offline`.
    public init(path: String) throws(CaptureError) {
        // A pipe (standard input, a FIFO) is read through a relay, so that its magic can be looked
        // at first; a file is simply opened twice. Standard input always goes through the relay.
        let relay: StreamRelay?
        let magic: [UInt8]
        if path == CaptureInput.standardInput || CaptureInput.isStream(path) {
            let input = path == CaptureInput.standardInput ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
            guard input >= 0, let opened = StreamRelay(input: input) else {
                throw CaptureError(.unreadable, path: path, "cannot read it: \(String(cString: strerror(errno)))")
            }
            relay = opened
            magic = opened.prefix
        } else {
            relay = nil
            magic = LibpcapReader.firstBytes(path: path)
        }
        // libpcap reads only uncompressed files and would call a gzip file "unknown format".
        if magic.count >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
            throw CaptureError(.libpcap, path: path,
                               "is gzip-compressed, which libpcap cannot read: use the native reader (--reader native) or gunzip it first")
        }
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        let opened: OpaquePointer?
        if let relay {
            if let file = fdopen(relay.readDescriptor, "rb") {
                opened = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
                if opened == nil { fclose(file) }
            } else {
                close(relay.readDescriptor)
                opened = nil
            }
        } else {
            opened = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
        }
        guard let handle = opened else {
            let message = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CaptureError(.libpcap, path: path, "libpcap cannot read it: \(message)")
        }
        self.handle = handle
        linkType = LibpcapReader.linkType(dlt: pcap_datalink(handle))
        linkTypes = [linkType]
        var st = stat()
        fileSize = relay == nil && stat(path, &st) == 0 ? Int(st.st_size) : 0
        let swapped = pcap_is_swapped(handle) != 0
        let hostLittle = 1.littleEndian == 1
        let little = swapped ? !hostLittle : hostLittle
        // libpcap reports the precision we asked for; the file's own precision is in its magic.
        let precision = LibpcapReader.precision(magic: magic, head: relay?.prefix, path: path)
        interfaces = [CaptureInterface(linkType: linkType, snapLength: Int(pcap_snapshot(handle)),
                                       timestampUnitsPerSecond: precision == .nanoseconds ? 1_000_000_000 : 1_000_000)]
        info = CaptureFileInfo(path: path, format: magic.starts(with: [0x0a, 0x0d, 0x0d, 0x0a]) ? .pcapng : .pcap,
                               byteOrder: little ? .littleEndian : .bigEndian, precision: precision,
                               compressed: false, snapLength: Int(pcap_snapshot(handle)), linkType: linkType)
    }

    deinit { pcap_close(handle) }

    public func next() throws(CaptureError) -> CaptureRecord? {
        if finished { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let rc = pcap_next_ex(handle, &header, &data)
        switch rc {
        case 1:
            guard let header, let data else { return nil }
            let h = header.pointee
            let caplen = Int(h.caplen)
            bytesConsumed += caplen + 16
            // With nanosecond precision requested, tv_usec holds nanoseconds.
            let time = Timestamp(seconds: Int64(h.ts.tv_sec), nanoseconds: Int64(h.ts.tv_usec))
            return CaptureRecord(timestamp: time, linkType: linkType, interfaceIndex: 0,
                                 originalLength: Int(h.len),
                                 bytes: UnsafeRawBufferPointer(start: data, count: caplen), fileOffset: 0)
        case -2:
            finished = true
            return nil
        default:
            finished = true
            let message = String(cString: pcap_geterr(handle))
            warning = CaptureWarning(path: info.path, offset: bytesConsumed, message: "libpcap stopped: \(message)")
            return nil
        }
    }

    /// libpcap reports DLT_ values, which differ from the LINKTYPE_ values in files for a few
    /// link types (raw IP above all); map those back so both readers agree.
    static func linkType(dlt: Int32) -> LinkType {
        switch dlt {
        case 12, 14: return .raw          // DLT_RAW (14 on OpenBSD) is LINKTYPE_RAW 101
        case 11: return LinkType(rawValue: 100) // DLT_ATM_RFC1483
        default: return LinkType(rawValue: UInt32(bitPattern: dlt))
        }
    }

    private static func firstBytes(path: String) -> [UInt8] {
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: 4)
        let n = fread(&buffer, 1, 4, f)
        return Array(buffer.prefix(n))
    }

    /// The file's own timestamp precision: pcap's magic, or for pcapng the first interface's
    /// if_tsresol, as the native reader decides (a pipe's head is what its relay read ahead).
    private static func precision(magic b: [UInt8], head: [UInt8]?, path: String) -> TimestampPrecision {
        if b.starts(with: [0x0a, 0x0d, 0x0d, 0x0a]) {
            let units = head.map { PcapngResolutionProbe.unitsPerSecond(head: $0) } ?? PcapngResolutionProbe.unitsPerSecond(path: path)
            return (units ?? 1_000_000) > 1_000_000 ? .nanoseconds : .microseconds
        }
        // 0xa1b23c4d is the nanosecond pcap magic, in either byte order.
        if b == [0xa1, 0xb2, 0x3c, 0x4d] || b == [0x4d, 0x3c, 0xb2, 0xa1] { return .nanoseconds }
        return .microseconds
    }
}
