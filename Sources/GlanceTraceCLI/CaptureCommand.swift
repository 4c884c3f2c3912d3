import ArgumentParser
import CaptureIO
import Reports
import Timeline
#if canImport(Glibc)
import Glibc
#endif

/// The capture being run, for the SIGINT/SIGTERM handler (a C function pointer cannot capture).
nonisolated(unsafe) private var runningCapture: LiveCapture?
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture live on an interface, print each HTTP exchange, SQL statement and image status change as it completes, and save the packets.",
        discussion: "Stops on --duration, --count, SIGINT or SIGTERM; the file is then flushed and closed, libpcap's statistics printed, and in text mode the full analyze report."
    )

    @Option(name: .customShort("i"), help: ArgumentHelp("Interface to capture on (e.g. ens3, lo, any).", valueName: "iface"))
    var interface: String

    @Option(name: .customShort("w"), help: ArgumentHelp("Write the packets to this pcap file as tcpdump -w does (a strftime pattern with -G).", valueName: "file"))
    var writeFile: String?

    @Option(name: .customShort("C"), help: ArgumentHelp("Start a new file when the current one exceeds this many millions of bytes (tcpdump -C).", valueName: "MB"))
    var fileSizeMegabytes: Int?

    @Option(name: .customShort("G"), help: ArgumentHelp("Start a new file every this many seconds (tcpdump -G).", valueName: "seconds"))
    var rotateSeconds: Int?

    @Option(name: .customShort("W"), help: ArgumentHelp("With -C, keep a ring of this many files; with -G, stop after this many files (tcpdump -W).", valueName: "count"))
    var fileCount: Int?

    @Option(name: .customLong("port"), help: ArgumentHelp("Also follow this server port (repeatable); the default filter captures the watched ports.", valueName: "N"))
    var ports: [Int] = []

    @Option(help: ArgumentHelp("BPF capture filter (default: the watched ports).", valueName: "expression"))
    var filter: String?

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Stop after this many packets.", valueName: "packets"))
    var count: Int?

    @Option(help: "Output: text (a line per event, the analyze report at the end) or json (one JSON object per line).")
    var format: OutputFormat = .text

    @Option(name: .customLong("keylog"), help: ArgumentHelp("NSS key log to decrypt TLS (repeatable).", valueName: "file"))
    var keyLogs: [String] = []

    @Option(name: .customLong("snaplen"), help: "Bytes captured per packet.")
    var snapLength: Int32 = 262_144

    @Flag(help: "Put the interface in promiscuous mode (off by default).")
    var promiscuous = false

    var watchedPorts: Set<UInt16> { CaptureOptions.defaultPorts.union(ports.compactMap { UInt16(exactly: $0) }) }

    func validate() throws {
        if format == .html { throw ValidationError("capture prints text or json, not html.") }
        for port in ports where UInt16(exactly: port) == nil || port == 0 { throw ValidationError("--port \(port) is not a TCP port.") }
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be positive.") }
        if let c = count, c <= 0 { throw ValidationError("--count must be positive.") }
        if (fileSizeMegabytes != nil || rotateSeconds != nil || fileCount != nil) && writeFile == nil {
            throw ValidationError("-C, -G and -W need -w FILE.")
        }
    }

    func run() throws {
        var configuration = LiveCapture.Configuration(interface: interface)
        configuration.filter = filter ?? watchedPorts.sorted().map { "tcp port \($0)" }.joined(separator: " or ")
        configuration.snapLength = snapLength
        configuration.promiscuous = promiscuous
        let capture: LiveCapture
        do { capture = try LiveCapture(configuration: configuration) } catch { throw CommandFailure(message: error.description) }

        var options = CaptureAnalysis.Options()
        options.watchedPorts = watchedPorts
        options.keyLogPaths = keyLogs
        let session = AnalysisSession(options: options)
        let source = session.addCapture(capture.info)
        let json = format == .json
        session.onEvent = { event in
            let line = json ? LiveEventText.json(event).serialized(pretty: false) : LiveEventText.text(event)
            _ = writeAll(line + "\n", to: STDOUT_FILENO)
        }

        let start = monotonicSeconds()
        var file: RotatingDumpFile?
        if let writeFile {
            do {
                file = try RotatingDumpFile(pattern: writeFile, rotation: .init(megabytes: fileSizeMegabytes, seconds: rotateSeconds, fileCount: fileCount),
                                            capture: capture, startTime: Int64(time(nil)))
            } catch { throw CommandFailure(message: error.description) }
        }
        runningCapture = capture
        signal(SIGINT) { _ in stopRequested = 1; runningCapture?.stop() }
        signal(SIGTERM) { _ in stopRequested = 1; runningCapture?.stop() }
        defer { runningCapture = nil }
        if !json { writeStandardError("capturing on \(interface) (filter: \(configuration.filter ?? "none")); Ctrl-C to stop\n") }

        var packets = 0
        var failure: CaptureError?
        loop: while stopRequested == 0 {
            do {
                switch try capture.next() {
                case .packet(let record):
                    packets += 1
                    try file?.write(record)
                    session.feed(record, capture: source)
                    if packets % 256 == 0 { try file?.flush() }
                    if let count, packets >= count { break loop }
                    if file?.exhausted == true { break loop }
                case .timeout:
                    try file?.flush()
                case .stopped:
                    break loop
                }
            } catch {
                failure = error
                break loop
            }
            if let duration, monotonicSeconds() - start >= duration { break }
        }
        do { try file?.flush() } catch { failure = failure ?? error }
        file?.close()
        let result = session.finish()
        if let stats = capture.statistics, !json {
            writeStandardError("\(packets) packets captured, \(stats.received) received by filter, \(stats.droppedByKernel) dropped by kernel, \(stats.droppedByInterface) dropped by interface\n")
        }
        if let file, !json { writeStandardError("written: \(file.writtenPaths.joined(separator: ", "))\n") }
        if let failure { throw CommandFailure(message: failure.description) }
        if !json { _ = writeAll(AnalysisText.report(result), to: STDOUT_FILENO) }
    }

    private func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
