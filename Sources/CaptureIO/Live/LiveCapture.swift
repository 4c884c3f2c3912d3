import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Captures packets from a network interface through libpcap, as tcpdump does.
///
/// Uses `pcap_create` + `pcap_activate` so that snaplen, buffer size, immediate mode and
/// nanosecond time stamps can be asked for before activation; then `pcap_next_ex`, which
/// returns on each packet or after the read timeout so the caller can check its stop flags.
public final class LiveCapture {
    public struct Configuration: Sendable {
        public var interface: String
        public var snapLength: Int32 = 262_144
        public var bufferBytes: Int32 = 8 << 20
        public var promiscuous = false
        public var immediate = true
        public var readTimeoutMilliseconds: Int32 = 200
        /// A BPF expression, compiled with libpcap against the interface's link type.
        public var filter: String?
        public init(interface: String) { self.interface = interface }
    }

    /// What one read returned.
    public enum ReadResult {
        case packet(CaptureRecord)
        /// The read timeout passed without a packet (check stop conditions, read again).
        case timeout
        /// `stop()` was called.
        case stopped
    }

    /// libpcap's counters (`pcap_stats`).
    public struct Statistics: Sendable {
        public var received: UInt32
        public var droppedByKernel: UInt32
        public var droppedByInterface: UInt32
    }

    public let configuration: Configuration
    public let linkType: LinkType
    public let precision: TimestampPrecision
    let handle: OpaquePointer

    public init(configuration: Configuration) throws(CaptureError) {
        self.configuration = configuration
        let name = configuration.interface
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(name, &errbuf) else {
            throw CaptureError(.libpcap, path: name, LiveCapture.text(errbuf))
        }
        pcap_set_snaplen(handle, configuration.snapLength)
        pcap_set_promisc(handle, configuration.promiscuous ? 1 : 0)
        pcap_set_timeout(handle, configuration.readTimeoutMilliseconds)
        pcap_set_buffer_size(handle, configuration.bufferBytes)
        pcap_set_immediate_mode(handle, configuration.immediate ? 1 : 0)
        let nano = pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw LiveCapture.activationError(status, interface: name, detail: detail)
        }
        self.handle = handle
        precision = nano && pcap_get_tstamp_precision(handle) == Int32(PCAP_TSTAMP_PRECISION_NANO) ? .nanoseconds : .microseconds
        linkType = LinkType(rawValue: UInt32(bitPattern: pcap_datalink(handle)))
        if let filter = configuration.filter {
            var program = bpf_program()
            guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                // Every stored property is set: deinit closes the handle when this throws.
                let detail = String(cString: pcap_geterr(handle))
                throw CaptureError(.libpcap, path: name, "bad capture filter '\(filter)': \(detail)")
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(handle, &program) == 0 else {
                let detail = String(cString: pcap_geterr(handle))
                throw CaptureError(.libpcap, path: name, "cannot set capture filter '\(filter)': \(detail)")
            }
        }
    }

    deinit { pcap_close(handle) }

    /// File facts for reports and writers.
    public var info: CaptureFileInfo {
        CaptureFileInfo(path: configuration.interface, format: .pcap, byteOrder: 1.littleEndian == 1 ? .littleEndian : .bigEndian,
                        precision: precision, compressed: false, snapLength: Int(pcap_snapshot(handle)), linkType: linkType)
    }

    /// The next packet; its bytes stay valid until the next call.
    public func next() throws(CaptureError) -> ReadResult {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return .timeout }
            let h = header.pointee
            let fraction = precision == .nanoseconds ? Int64(h.ts.tv_usec) : Int64(h.ts.tv_usec) * 1000
            let record = CaptureRecord(timestamp: Timestamp(seconds: Int64(h.ts.tv_sec), nanoseconds: fraction),
                                       linkType: linkType, originalLength: Int(h.len),
                                       bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
            return .packet(record)
        case 0:
            return .timeout
        case PCAP_ERROR_BREAK:
            return .stopped
        default:
            throw CaptureError(.libpcap, path: configuration.interface, "capture failed: \(String(cString: pcap_geterr(handle)))")
        }
    }

    /// Makes a blocked `next()` return `.stopped`; safe to call from a signal handler.
    public func stop() { pcap_breakloop(handle) }

    public var statistics: Statistics? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return Statistics(received: stats.ps_recv, droppedByKernel: stats.ps_drop, droppedByInterface: stats.ps_ifdrop)
    }

    /// Names of the interfaces libpcap can capture on, for the "no such interface" message.
    public static func interfaceNames() -> [String] {
        var list: UnsafeMutablePointer<pcap_if_t>?
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard pcap_findalldevs(&list, &errbuf) == 0 else { return [] }
        defer { pcap_freealldevs(list) }
        var names: [String] = []
        var cursor = list
        while let device = cursor {
            names.append(String(cString: device.pointee.name))
            cursor = device.pointee.next
        }
        return names
    }

    static func activationError(_ status: Int32, interface: String, detail: String) -> CaptureError {
        switch status {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            let names = interfaceNames()
            return CaptureError(.libpcap, path: interface,
                                "no such interface; interfaces that exist: \(names.isEmpty ? "none visible" : names.joined(separator: ", "))")
        case PCAP_ERROR_PERM_DENIED:
            return CaptureError(.libpcap, path: interface,
                                "no permission to capture: run as root, or give the binary CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip)")
        default:
            return CaptureError(.libpcap, path: interface, "cannot start capturing: \(detail.isEmpty ? String(cString: pcap_statustostr(status)) : detail)")
        }
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
