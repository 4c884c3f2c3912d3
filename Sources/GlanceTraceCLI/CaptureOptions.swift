import ArgumentParser
import CaptureIO

/// Options every reading command shares.
struct CaptureOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Capture files (pcap, pcapng, optionally gzip-compressed; '-' is standard input, FIFOs work too); several are merged by timestamp.",
                                 valueName: "capture"))
    var captures: [String]

    @Option(help: "Reader: 'native' (zero-copy, default) or 'libpcap' (the reference).")
    var reader: CaptureReaderKind = .native

    @Option(name: .customLong("port"), help: ArgumentHelp("Also follow TCP connections to this server port (repeatable).", valueName: "N"))
    var ports: [Int] = []

    @Flag(name: .shortAndLong, help: "No progress output on stderr.")
    var quiet = false

    static let defaultPorts: Set<UInt16> = [5000, 13000, 9292, 13292, 3306]

    /// DESIGN.md's default ports plus `--port`.
    var watchedPorts: Set<UInt16> {
        CaptureOptions.defaultPorts.union(ports.compactMap { UInt16(exactly: $0) })
    }

    func validate() throws {
        if captures.isEmpty { throw ValidationError("Give at least one capture file.") }
        if captures.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input ('-') can be read only once.") }
        for port in ports where UInt16(exactly: port) == nil || port == 0 {
            throw ValidationError("--port \(port) is not a TCP port (1-65535).")
        }
    }
}

extension CaptureReaderKind: ExpressibleByArgument {}

/// Output formats; each command accepts the subset it documents.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case html
}
