import CaptureIO
import CPcap

/// A BPF expression compiled by libpcap, as tcpdump would apply it to a saved file.
///
/// Compiled once per link type (a pcapng file may mix them) against a dead pcap handle, then
/// run with `pcap_offline_filter` on each record: the same code tcpdump runs, so
/// `tcpdump -r IN EXPR` selects the same packets.
package final class PacketFilter {
    package let expression: String
    private let snapLength: Int32
    private var programs: [UInt32: Compiled] = [:]

    private final class Compiled {
        var program = bpf_program()
        let handle: OpaquePointer
        init(handle: OpaquePointer) { self.handle = handle }
        deinit {
            pcap_freecode(&program)
            pcap_close(handle)
        }
    }

    /// Compiles `expression` for `linkType` now, so a bad expression fails before any output.
    package init(expression: String, linkType: LinkType, snapLength: Int = 262_144) throws(SplitError) {
        self.expression = expression
        self.snapLength = Int32(clamping: snapLength > 0 ? snapLength : 262_144)
        _ = try program(for: linkType)
    }

    /// Whether the record passes the filter. A link type the expression cannot be compiled
    /// for (met later in a pcapng file) throws.
    package func matches(_ record: CaptureRecord) throws(SplitError) -> Bool {
        let compiled = try program(for: record.linkType)
        guard let base = record.bytes.baseAddress else { return false }
        var header = pcap_pkthdr()
        header.caplen = UInt32(truncatingIfNeeded: record.bytes.count)
        header.len = UInt32(clamping: record.originalLength)
        return pcap_offline_filter(&compiled.program, &header, base.assumingMemoryBound(to: UInt8.self)) != 0
    }

    private func program(for linkType: LinkType) throws(SplitError) -> Compiled {
        if let compiled = programs[linkType.rawValue] { return compiled }
        guard let handle = pcap_open_dead_with_tstamp_precision(Int32(bitPattern: linkType.rawValue), snapLength,
                                                                UInt32(PCAP_TSTAMP_PRECISION_NANO)) else {
            if let reason = LibpcapLibrary.unavailableReason { throw SplitError("--filter needs libpcap: \(reason)") }
            throw SplitError("--filter: libpcap cannot open a handle for link type \(linkType)")
        }
        let compiled = Compiled(handle: handle)
        if pcap_compile(handle, &compiled.program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            let reason = String(cString: pcap_geterr(handle))
            // The program was not filled in: free nothing but the handle.
            compiled.program = bpf_program()
            throw SplitError("--filter \"\(expression)\" is not a valid filter for link type \(linkType): \(reason)")
        }
        programs[linkType.rawValue] = compiled
        return compiled
    }
}

/// A problem with the split's options or input that is not a file error.
package struct SplitError: Error, CustomStringConvertible, Sendable {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
