import CPcap

/// What `glancetrace --version` prints.
///
/// `number` is the release this tree builds; bump it with each release. Packaging/build-deb
/// takes the package's version from this output, so it is the one place the number lives.
enum GlanceTraceVersion {
    static let number = "0.1.0"

    /// `glancetrace 0.1.0 (git 03e3fcd1f2a3)`, then the libpcap the binary runs with: a
    /// package links the distribution's libpcap, whose version decides what live capture can
    /// do (tcpdump prints it for the same reason).
    static var description: String {
        let revision = buildRevision.map { " (git \($0))" } ?? ""
        return "glancetrace \(number)\(revision)\n\(String(cString: pcap_lib_version()))"
    }
}
