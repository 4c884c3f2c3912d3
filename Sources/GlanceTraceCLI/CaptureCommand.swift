import Analysis
import ArgumentParser
import CaptureIO
import Reports
import Timeline
#if canImport(Glibc)
import Glibc
#endif

struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture live on an interface, print each HTTP exchange, SQL statement and image status change as it completes, and save the packets.",
        discussion: """
            Stops on --duration, --count, SIGINT (Ctrl-C) or SIGTERM: the file is flushed and closed (a valid capture \
            with every packet captured), libpcap's statistics go to stderr, and text mode prints the full analyze report. \
            With --format json, stdout carries only NDJSON: one object per completed event ("event": "http", "sql" or \
            "image-status"). Capturing needs root, or CAP_NET_RAW and CAP_NET_ADMIN on the binary.

            -w, -C, -G and -W behave as tcpdump's: -C rotates when a file holds more than that many millions of bytes \
            (FILE, FILE1, FILE2, ...; with -W N a ring FILE0..FILE(N-1), zero-padded); -G starts a new file every so many \
            seconds, FILE being a strftime pattern (local time); with -G, -W N stops after N files.
            """
    )

    @Option(name: .customShort("i"), help: ArgumentHelp("Interface to capture on (e.g. ens3, lo, any).", valueName: "iface"))
    var interface: String

    @Option(name: .customShort("w"), help: ArgumentHelp("Write the packets to this file as tcpdump -w does (a strftime pattern with -G).", valueName: "file"))
    var writeFile: String?

    @Option(name: .customShort("F"), help: ArgumentHelp("Format of the -w file: pcap (default, written by libpcap) or pcapng.", valueName: "format"))
    var fileFormat: CaptureOutputFormat = .pcap

    @Option(name: .customShort("C"), help: ArgumentHelp("Start a new file when the current one holds more than this many millions of bytes (tcpdump -C).", valueName: "MB"))
    var fileSizeMegabytes: Int?

    @Option(name: .customShort("G"), help: ArgumentHelp("Start a new file every this many seconds (tcpdump -G).", valueName: "seconds"))
    var rotateSeconds: Int?

    @Option(name: .customShort("W"), help: ArgumentHelp("With -C, keep a ring of this many files; with -G alone, stop after this many files (tcpdump -W).", valueName: "count"))
    var fileCount: Int?

    @Option(name: .customLong("port"),
            help: ArgumentHelp("Also follow this server port (repeatable); the default capture filter is the watched ports. N=http, N=mysql or N=tls decodes the port as that protocol whatever its first bytes look like.",
                               valueName: "N[=protocol]"))
    var ports: [PortArgument] = []

    @Option(help: ArgumentHelp("BPF capture filter, replacing the default one made of the watched ports.", valueName: "expression"))
    var filter: String?

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Stop after this many packets.", valueName: "packets"))
    var count: Int?

    @Option(help: "Output: text (a line per event, the analyze report at the end) or json (one JSON object per line, nothing else).")
    var format: OutputFormat = .text

    @Option(name: .customLong("keylog"), help: ArgumentHelp("NSS key log to decrypt TLS (repeatable).", valueName: "file"))
    var keyLogs: [String] = []

    @Option(name: [.customShort("s"), .customLong("snaplen")], help: "Bytes captured per packet.")
    var snapLength: Int32 = 262_144

    @Option(name: .customShort("B"), help: ArgumentHelp("Kernel capture buffer in KiB (tcpdump -B).", valueName: "KiB"))
    var bufferKiB: Int32 = 32768

    @Flag(help: "Put the interface in promiscuous mode (off by default).")
    var promiscuous = false

    @OptionGroup(title: "OpenTelemetry export") var otlp: OTLPExportOptions

    var watchedPorts: Set<UInt16> { CaptureOptions.defaultPorts.union(ports.ports) }

    /// The default filter: TCP to or from any watched port.
    var captureFilter: String { filter ?? watchedPorts.sorted().map { "tcp port \($0)" }.joined(separator: " or ") }

    func validate() throws {
        if format == .html || format == .otlp { throw ValidationError("capture prints text or json, not \(format.rawValue).") }
        try ports.validate()
        if let d = duration, !(d > 0) || !d.isFinite { throw ValidationError("--duration must be a positive number of seconds.") }
        if let c = count, c <= 0 { throw ValidationError("--count must be positive.") }
        if let c = fileSizeMegabytes, c <= 0 || c > Int.max / 1_000_000 { throw ValidationError("-C must be a positive number of millions of bytes.") }
        if let g = rotateSeconds, g <= 0 { throw ValidationError("-G must be a positive number of seconds.") }
        if let w = fileCount, w <= 0 { throw ValidationError("-W must be a positive number of files.") }
        if (fileSizeMegabytes != nil || rotateSeconds != nil || fileCount != nil) && writeFile == nil {
            throw ValidationError("-C, -G and -W need -w FILE.")
        }
        if fileCount != nil && fileSizeMegabytes == nil && rotateSeconds == nil { throw ValidationError("-W needs -C or -G.") }
        if writeFile?.isEmpty == true { throw ValidationError("-w needs a file name.") }
        if snapLength <= 0 { throw ValidationError("--snaplen must be positive.") }
        if bufferKiB <= 0 || bufferKiB > Int32.max / 1024 { throw ValidationError("-B must be a positive number of KiB.") }
    }

    func run() throws {
        var configuration = LiveCapture.Configuration(interface: interface)
        configuration.filter = captureFilter
        configuration.snapLength = snapLength
        configuration.bufferBytes = bufferKiB * 1024
        configuration.promiscuous = promiscuous
        let capture: LiveCapture
        do { capture = try LiveCapture(configuration: configuration) } catch { throw CommandFailure(message: error.description) }

        var file: RotatingDumpFile?
        if let writeFile {
            let rotation = FileRotation(pattern: writeFile, megabytes: fileSizeMegabytes, seconds: rotateSeconds,
                                        fileCount: fileCount, start: Int64(time(nil)))
            if rotateSeconds != nil && !rotation.patternHasTime {
                writeStandardError("glancetrace: warning: -G with a file name without strftime conversions: each new file overwrites the last (as tcpdump)\n")
            }
            do { file = try RotatingDumpFile(rotation: rotation, format: fileFormat, capture: capture) } catch {
                throw CommandFailure(message: error.description)
            }
        }

        var options = CaptureAnalysis.Options()
        options.watchedPorts = watchedPorts
        options.portProtocols = ports.protocols
        options.keyLogPaths = keyLogs
        // Neither the event lines, the text report nor OTLP show the exchanges' message texts.
        options.recordsMessageTexts = false
        let session = AnalysisSession(options: options)
        let export = try otlp.start()
        let source = session.addCapture(capture.info)
        let json = format == .json
        let precision = capture.precision
        var outputClosed = false
        // Event lines are gathered and written a few times a second (and whenever 64 KiB are
        // waiting): one write per line cost a tenth of the capture loop at 20k packets/s.
        var pendingOutput = ""
        func flushOutput() {
            guard !pendingOutput.isEmpty, !outputClosed else { return }
            // A closed stdout (`| head`) ends the capture cleanly rather than killing it mid-write.
            if !writeAll(pendingOutput, to: STDOUT_FILENO) { outputClosed = true }
            pendingOutput = ""
        }
        session.onEvent = { event in
            export?.add(event)
            guard !outputClosed else { return }
            pendingOutput += json ? LiveEventText.json(event, precision: precision).serialized(pretty: false) : LiveEventText.text(event)
            pendingOutput += "\n"
            if pendingOutput.utf8.count >= 1 << 16 { flushOutput() }
        }

        let stop = StopSignals(waking: capture)
        defer { stop.restore() }
        writeStandardError("glancetrace: capturing on \(interface), link-type \(capture.linkType.name), snapshot length \(capture.snapLength) bytes, filter: \(captureFilter)\(writeFile.map { ", writing \($0)" } ?? ""); Ctrl-C to stop\n")

        let loop = LiveAnalysis(session: session, source: capture, capture: source,
                                limits: LiveAnalysis.Limits(duration: duration, count: count))
        loop.tracksCaptureClock = export != nil
        loop.shouldStop = { outputClosed }
        if let file {
            // Rotation by the packet's own time: packets reach us up to 100 ms after capture
            // (immediate mode is off), and a file named for a second must not start with a
            // packet from the second before. -G with -W: the last file is full; tcpdump stops
            // before this packet too.
            loop.record = { record throws(CaptureError) in
                try file.write(record, now: record.timestamp.seconds)
                return !file.exhausted
            }
        }
        // Keep the file readable as it grows, a few times a second under load.
        loop.tick = { now throws(CaptureError) in
            try file?.flush()
            flushOutput()
            export?.export(now: now)
        }
        var failure: CaptureError?
        do { try loop.run() } catch { failure = error }
        let packets = loop.packets
        do { try file?.close() } catch { failure = failure ?? error }
        let result = session.finish()
        flushOutput()
        if let stats = capture.statistics {
            writeStandardError("glancetrace: \(packets) packets captured, \(stats.received) received by filter, \(stats.droppedByKernel) dropped by kernel, \(stats.droppedByInterface) dropped by interface\n")
        }
        if let file { writeStandardError("glancetrace: wrote \(file.writtenPaths.joined(separator: ", "))\n") }
        if let export { writeStandardError(export.finish()) }
        if let failure { throw CommandFailure(message: failure.description) }
        if !json && !outputClosed { _ = writeAll(AnalysisText.report(result), to: STDOUT_FILENO) }
    }
}
