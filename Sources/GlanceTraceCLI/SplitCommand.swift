import ArgumentParser
import CaptureIO
import Splitting
import Timeline

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split a capture into pieces by packet count or time interval, like editcap -c / -i.",
        discussion: """
            Pieces are named like editcap's: OUT = dir/name.ext gives dir/name_NNNNN_YYYYmmddHHMMSS.ext, \
            NNNNN counting from 00000 and the time being the piece's first packet in local time (TZ). \
            The output format is the input's unless -F says otherwise; with -F pcap the pieces are \
            byte-identical to `editcap -F pcap` with the same -c / -i. Packets are selected (-A, -B, \
            --port, --filter) before splitting. Each piece is written under a temporary name and \
            renamed when complete.
            """
    )

    @Argument(help: "The capture to split (pcap or pcapng).")
    var input: String

    @Argument(help: "Output name; pieces are named after it.")
    var output: String

    @Option(name: .customShort("c"), help: ArgumentHelp("At most this many packets per piece.", valueName: "packets"))
    var packets: Int?

    @Option(name: .customShort("i"), help: ArgumentHelp("Pieces of this many seconds (fractions allowed), counted from the first packet.", valueName: "seconds"))
    var interval: String?

    @Option(name: .customShort("F"), help: ArgumentHelp("Output format: pcap or pcapng (default: the input's).", valueName: "format"))
    var format: CaptureOutputFormat?

    @Option(name: .customShort("A"), help: ArgumentHelp("Keep packets at or after this time: 'YYYY-MM-DD hh:mm:ss[.nnn]' (local time; T, Z and +hh:mm accepted) or seconds since the epoch.", valueName: "time"))
    var start: String?

    @Option(name: .customShort("B"), help: ArgumentHelp("Keep packets before this time (same formats as -A).", valueName: "time"))
    var stop: String?

    @Option(name: .customLong("port"), help: ArgumentHelp("Keep TCP/UDP packets with this port on either side (repeatable).", valueName: "N"))
    var ports: [Int] = []

    @Option(help: ArgumentHelp("Keep packets matching this BPF expression (tcpdump syntax).", valueName: "BPF"))
    var filter: String?

    @Flag(help: "With -c: end a piece only where no TCP connection is open; pooled connections that never close are cut between exchanges from 4×N packets, and regardless at 8×N.")
    var byConnection = false

    @Flag(help: "Keep headers, HTTP messages and MySQL traffic but cut bulk HTTP image bodies (uploads to .../file and .../stage, binary downloads) to zero captured bytes.")
    var slim = false

    @Option(help: "Reader: 'native' (default) or 'libpcap'.")
    var reader: CaptureReaderKind = .native

    @Flag(name: .shortAndLong, help: "No progress output on stderr.")
    var quiet = false

    func validate() throws {
        switch (packets, interval) {
        case (nil, nil): throw ValidationError("Give -c PACKETS or -i SECONDS.")
        case (.some, .some): throw ValidationError("Give -c or -i, not both.")
        default: break
        }
        if let packets, packets < 1 { throw ValidationError("-c \(packets): give at least 1 packet per piece.") }
        if let interval, SplitTime.parseDuration(interval).map({ $0 > 0 }) != true {
            throw ValidationError("-i \(interval): give a positive number of seconds, e.g. 60 or 0.5.")
        }
        if byConnection && packets == nil { throw ValidationError("--by-connection works with -c.") }
        for port in ports where UInt16(exactly: port) == nil || port == 0 {
            throw ValidationError("--port \(port) is not a port (1-65535).")
        }
        if let start, SplitTime.parse(start) == nil { throw ValidationError("-A \"\(start)\" is not a valid date and time.") }
        if let stop, SplitTime.parse(stop) == nil { throw ValidationError("-B \"\(stop)\" is not a valid date and time.") }
    }

    func run() throws {
        let boundary: SplitConfiguration.Boundary
        if let packets {
            boundary = .packets(packets)
        } else {
            boundary = .interval(nanoseconds: interval.flatMap(SplitTime.parseDuration) ?? 1_000_000_000)
        }
        var configuration = SplitConfiguration(boundary: boundary)
        configuration.outputFormat = format
        configuration.start = start.flatMap(SplitTime.parse)
        configuration.stop = stop.flatMap(SplitTime.parse)
        configuration.ports = Set(ports.compactMap { UInt16(exactly: $0) })
        configuration.filter = filter
        configuration.byConnection = byConnection
        configuration.slim = slim
        configuration.bulkRequest = ImageDataRoutes.hashesUpload
        configuration.readerKind = reader

        let progress = ProgressLine(label: input, quiet: quiet)
        let summary: SplitSummary
        do {
            summary = try CaptureSplitter(configuration: configuration).split(input: input, output: output) {
                progress.update(done: $0, total: $1)
            }
        } catch let error as CaptureError {
            progress.finish()
            throw CommandFailure(message: error.description)
        } catch let error as SplitError {
            progress.finish()
            throw CommandFailure(message: error.description)
        }
        progress.finish()
        if let warning = summary.warning { writeStandardError("warning: \(warning)\n") }
        for note in summary.notes { writeStandardError("note: \(note)\n") }
        if !quiet {
            let slimmed = slim ? ", \(summary.capturedBytesWritten) of \(summary.capturedBytesRead) captured bytes kept" : ""
            writeStandardError("\(summary.packetsWritten) of \(summary.packetsRead) packets in \(summary.pieces.count) piece(s)\(slimmed)\n")
        }
    }
}

extension CaptureOutputFormat: ExpressibleByArgument {}
