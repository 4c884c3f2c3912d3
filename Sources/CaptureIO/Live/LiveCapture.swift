import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Captures packets from a network interface through libpcap, as tcpdump does.
///
/// Uses `pcap_create` + `pcap_activate` so that snaplen, buffer size, immediate mode and
/// nanosecond time stamps can be asked for before activation. Reads are non-blocking, with our
/// own `poll` on libpcap's selectable descriptor and on a wake-up pipe: libpcap 1.10 on Linux
/// blocks in `poll` with no timeout in immediate mode (the read timeout is ignored there), so
/// `pcap_next_ex` alone would never let `--duration` fire on a quiet interface; and
/// `pcap_breakloop` from a signal handler only works inside libpcap's own loop. The pipe makes
/// `stop()` (async-signal-safe: one `write`) wake a waiting `next` at once, without a race
/// between checking a flag and going to sleep.
public final class LiveCapture {
    /// How to open the interface (tcpdump's -i, -s, -B, -p, --immediate-mode and the filter).
    public struct Configuration: Sendable {
        public var interface: String
        public var snapLength: Int32 = 262_144
        /// Kernel ring size (tcpdump -B): room for bursts while a packet is being analysed.
        public var bufferBytes: Int32 = 32 << 20
        public var promiscuous = false
        /// Off by default, as tcpdump -w has it: in immediate mode the Linux TPACKET_V3 ring hands
        /// over a block per wake-up, each block sized for a whole snaplen, so the ring holds only
        /// a few dozen milliseconds of a steady load and the kernel drops packets (seen here at
        /// 20k packets/s). Without it blocks fill or time out after 100 ms: the live view lags by
        /// at most that much.
        public var immediate = false
        /// A BPF expression, compiled with libpcap against the interface's link type.
        public var filter: String?
        public init(interface: String) { self.interface = interface }
    }

    /// What one read returned.
    public enum ReadResult {
        case packet(CaptureRecord)
        /// The wait passed without a packet (check stop conditions, read again).
        case timeout
        /// `stop()` was called.
        case stopped
    }

    /// libpcap's counters (`pcap_stats`), as tcpdump prints them at the end.
    public struct Statistics: Sendable {
        public var received: UInt32
        public var droppedByKernel: UInt32
        public var droppedByInterface: UInt32
    }

    /// What was asked for (libpcap may settle on less: see `snapLength`, `precision`).
    public let configuration: Configuration
    /// The interface's link type (SLL2 on `any`, as tcpdump).
    public let linkType: LinkType
    /// Nanoseconds where the kernel gives them (Linux does), else microseconds.
    public let precision: TimestampPrecision
    let handle: OpaquePointer
    private let wakeRead: Int32
    /// The write end of the wake-up pipe: writing a byte to it makes `next` return `.stopped`.
    /// A signal handler may do exactly that (see `stop()`).
    public let wakeDescriptor: Int32
    private var stopped = false
    /// The two descriptors `next` waits on, allocated once (no allocation per wait).
    private let waitSet: UnsafeMutablePointer<pollfd>

    public init(configuration: Configuration) throws(CaptureError) {
        self.configuration = configuration
        let name = configuration.interface
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(name, &errbuf) else {
            throw CaptureError(.libpcap, path: name, LiveCapture.text(errbuf))
        }
        pcap_set_snaplen(handle, configuration.snapLength)
        pcap_set_promisc(handle, configuration.promiscuous ? 1 : 0)
        pcap_set_timeout(handle, 100)
        pcap_set_buffer_size(handle, configuration.bufferBytes)
        pcap_set_immediate_mode(handle, configuration.immediate ? 1 : 0)
        let nano = pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw LiveCapture.activationError(status, interface: name, detail: detail)
        }
        let selectable = pcap_get_selectable_fd(handle)
        var pipeEnds: [Int32] = [-1, -1]
        guard selectable >= 0, pcap_setnonblock(handle, 1, &errbuf) == 0, LiveCapture.makeWakePipe(&pipeEnds) else {
            pcap_close(handle)
            throw CaptureError(.libpcap, path: name, "cannot wait for packets on this interface (no selectable descriptor)")
        }
        self.handle = handle
        // tcpdump's default on "any": SLL2 keeps the interface index and name of each packet.
        if name == "any" { _ = pcap_set_datalink(handle, 276) }  // DLT_LINUX_SLL2
        wakeRead = pipeEnds[0]
        wakeDescriptor = pipeEnds[1]
        waitSet = .allocate(capacity: 2)
        waitSet.initialize(to: pollfd(fd: selectable, events: Int16(POLLIN), revents: 0))
        (waitSet + 1).initialize(to: pollfd(fd: pipeEnds[0], events: Int16(POLLIN), revents: 0))
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

    deinit {
        pcap_close(handle)
        close(wakeRead)
        close(wakeDescriptor)
        waitSet.deallocate()
    }

    /// File facts for reports and writers.
    public var info: CaptureFileInfo {
        CaptureFileInfo(path: configuration.interface, format: .pcap, byteOrder: 1.littleEndian == 1 ? .littleEndian : .bigEndian,
                        precision: precision, compressed: false, snapLength: snapLength, linkType: linkType)
    }

    /// The snapshot length libpcap settled on.
    public var snapLength: Int { Int(pcap_snapshot(handle)) }

    /// The interface as a pcapng writer describes it.
    public var interface: CaptureInterface {
        CaptureInterface(linkType: linkType, snapLength: snapLength,
                         timestampUnitsPerSecond: precision == .nanoseconds ? 1_000_000_000 : 1_000_000,
                         name: configuration.interface)
    }

    /// The next packet, waiting at most `timeoutMilliseconds` for one; its bytes stay valid
    /// until the next call.
    public func next(timeoutMilliseconds: Int32 = 100) throws(CaptureError) -> ReadResult {
        if stopped { return .stopped }
        // Packets already in the ring come first: no system call while traffic flows.
        if let record = try read() { return .packet(record) }
        waitSet[0].revents = 0
        waitSet[1].revents = 0
        let ready = poll(waitSet, 2, max(0, timeoutMilliseconds))
        if ready < 0 {
            // EINTR: a signal arrived; its handler wrote to the pipe if it meant stop.
            if errno == EINTR { return stoppedByPipe() ? .stopped : .timeout }
            throw CaptureError(.libpcap, path: configuration.interface, "waiting for packets failed: \(String(cString: strerror(errno)))")
        }
        if waitSet[1].revents != 0, stoppedByPipe() { return .stopped }
        let events = waitSet[0].revents
        if events & Int16(POLLERR | POLLHUP | POLLNVAL) != 0, events & Int16(POLLIN) == 0 {
            throw CaptureError(.libpcap, path: configuration.interface, "the interface went away (down or removed)")
        }
        if let record = try read() { return .packet(record) }
        return .timeout
    }

    private func read() throws(CaptureError) -> CaptureRecord? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return nil }
            let h = header.pointee
            let fraction = precision == .nanoseconds ? Int64(h.ts.tv_usec) : Int64(h.ts.tv_usec) * 1000
            return CaptureRecord(timestamp: Timestamp(seconds: Int64(h.ts.tv_sec), nanoseconds: fraction),
                                 linkType: linkType, originalLength: Int(h.len),
                                 bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
        case 0, PCAP_ERROR_BREAK:
            return nil
        default:
            throw CaptureError(.libpcap, path: configuration.interface, "capture failed: \(String(cString: pcap_geterr(handle)))")
        }
    }

    /// A pipe whose ends are non-blocking (a full pipe must not block a signal handler) and
    /// closed on exec.
    private static func makeWakePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        return true
    }

    private func stoppedByPipe() -> Bool {
        var byte: UInt8 = 0
        if Glibc.read(wakeRead, &byte, 1) == 1 { stopped = true }
        return stopped
    }

    /// Makes a waiting (or the next) `next()` return `.stopped`. Async-signal-safe: a signal
    /// handler can do the same by writing one byte to `wakeDescriptor`.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(wakeDescriptor, &byte, 1)
    }

    /// libpcap's counters so far; nil when it cannot tell.
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
                                "no permission to capture (\(detail.isEmpty ? "permission denied" : detail)): run as root, or give the binary CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip glancetrace)")
        case PCAP_ERROR_IFACE_NOT_UP:
            return CaptureError(.libpcap, path: interface, "the interface is down; bring it up (ip link set \(interface) up) and try again")
        default:
            return CaptureError(.libpcap, path: interface, "cannot start capturing: \(detail.isEmpty ? String(cString: pcap_statustostr(status)) : detail)")
        }
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
