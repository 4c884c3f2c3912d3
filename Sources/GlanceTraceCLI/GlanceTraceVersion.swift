import CaptureIO

/// What `glancetrace --version` prints.
///
/// `number` is the release this tree builds; bump it with each release. Packaging/build-deb
/// takes the package's version from this output, so it is the one place the number lives.
enum GlanceTraceVersion {
    static let number = "0.1.0"

    /// `glancetrace 0.1.0 (git 03e3fcd1f2a3)`: what the command configuration carries as its
    /// version, built on every run, so it must not load libpcap.
    static var heading: String {
        "glancetrace \(number)\(buildRevision.map { " (git \($0))" } ?? "")"
    }

    /// The heading, then the libpcap the binary runs with: the distribution's, loaded here,
    /// whose version decides what live capture can do (tcpdump prints it for the same reason),
    /// or why there is none.
    static var description: String { "\(heading)\n\(LibpcapLibrary.version)" }
}
