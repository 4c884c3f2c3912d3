import CPcap

/// The libpcap this process uses, loaded with dlopen when first needed (Sources/CPcap): live
/// capture, BPF filters and the `--reader libpcap` reference reader; reading a file with the
/// native reader never loads it.
package enum LibpcapLibrary {
    /// Why libpcap cannot be used ("libpcap.so.0.8: cannot open shared object file: ..."), or
    /// nil when it is loaded. Loads it on the first call.
    package static var unavailableReason: String? {
        var reason = [CChar](repeating: 0, count: 512)
        guard gt_pcap_load(&reason, reason.count) == 0 else { return nil }
        return String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `libpcap version 1.10.3 (with TPACKET_V3)`, or `libpcap not available (REASON)`.
    package static var version: String {
        if let reason = unavailableReason { return "libpcap not available (\(reason))" }
        return String(cString: pcap_lib_version())
    }
}
