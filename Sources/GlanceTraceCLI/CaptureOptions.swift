import Analysis
import ArgumentParser
import CaptureIO
import Timeline

/// Options every reading command shares.
struct CaptureOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Capture files (pcap, pcapng, optionally gzip-compressed; '-' is standard input, FIFOs work too); several are merged by timestamp.",
                                 valueName: "capture"))
    var captures: [String]

    @Option(help: "Reader: 'native' (zero-copy, default) or 'libpcap' (the reference).")
    var reader: CaptureReaderKind = .native

    @Option(name: .customLong("port"),
            help: ArgumentHelp("Also follow TCP connections to this server port (repeatable); N=http, N=mysql or N=tls decodes the port as that protocol whatever its first bytes look like.",
                               valueName: "N[=protocol]"))
    var ports: [PortArgument] = []

    @Flag(name: .shortAndLong, help: "No progress output on stderr.")
    var quiet = false

    static let defaultPorts: Set<UInt16> = OpenStackPorts.watchedByDefault

    /// DESIGN.md's default ports plus `--port`.
    var watchedPorts: Set<UInt16> {
        CaptureOptions.defaultPorts.union(ports.ports)
    }

    /// Ports given a protocol with `--port N=PROTOCOL`.
    var portProtocols: [UInt16: PortProtocol] { ports.protocols }

    func validate() throws {
        if captures.isEmpty { throw ValidationError("Give at least one capture file.") }
        if captures.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input ('-') can be read only once.") }
        try ports.validate()
    }
}

extension CaptureReaderKind: ExpressibleByArgument {}

/// Output formats; each command accepts the subset it documents.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case html
    /// OpenTelemetry traces, OTLP/JSON (`analyze` only).
    case otlp
}
