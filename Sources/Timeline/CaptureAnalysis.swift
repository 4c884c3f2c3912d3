import CaptureIO
import PacketDecoding
import Reassembly

/// The whole pipeline of `analyze`, `http` and `sql`: capture files, merged by time -> packets ->
/// TCP streams -> HTTP / MySQL / TLS decoders -> facts -> image timeline.
public struct CaptureAnalysis {
    public struct Options: Sendable {
        public var watchedPorts: Set<UInt16> = [5000, 13000, 9292, 13292, 3306]
        public var readerKind: CaptureReaderKind = .native
        /// Clock corrections per capture path (`--time-offset FILE=SECONDS`), in nanoseconds.
        public var timeOffsets: [String: Int64] = [:]
        /// NSS key log files (`--keylog`).
        public var keyLogPaths: [String] = []
        public init() {}
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    /// Runs the pipeline over `paths`; `progress` gets (bytes consumed, total bytes) now and then.
    public func run(paths: [String], progress: ((Int, Int) -> Void)? = nil) throws(CaptureError) -> AnalysisResult {
        var readers: [any CaptureReader] = []
        for path in paths { readers.append(try openCapture(path: path, reader: options.readerKind)) }
        var summaries = readers.map { reader -> CaptureSummary in
            var summary = CaptureSummary(info: reader.info)
            summary.fileSize = reader.fileSize
            return summary
        }
        let merged = MergedCaptureReader(readers: readers, offsets: paths.map { options.timeOffsets[$0] ?? 0 })
        let decoder = PacketDecoder()
        let router = ProtocolRouter(watchedPorts: options.watchedPorts, keyLog: loadKeyLogs(readers))
        var configuration = TCPReassembler.Configuration()
        configuration.watchedPorts = options.watchedPorts
        let reassembler = TCPReassembler(configuration: configuration) { connection, firstPayload, direction in
            router.consumer(for: connection, firstPayload: firstPayload, direction: direction)
        }
        let totalBytes = readers.reduce(0) { $0 + $1.fileSize }
        var lastTime = Timestamp.zero
        var count = 0
        while let (record, file) = try merged.next() {
            summaries[file].add(record)
            if record.timestamp > lastTime { lastTime = record.timestamp }
            if case .tcp(let segment) = decoder.decode(record) {
                reassembler.process(segment, at: record.timestamp)
            }
            count &+= 1
            if count & 0xffff == 0, let progress {
                progress(readers.reduce(0) { $0 + $1.bytesConsumed }, totalBytes)
            }
        }
        reassembler.finish(at: lastTime)

        var warnings: [String] = []
        for (i, reader) in readers.enumerated() {
            summaries[i].warning = reader.warning
            for t in reader.linkTypes where !summaries[i].linkTypes.contains(t) { summaries[i].linkTypes.append(t) }
            if let warning = reader.warning { warnings.append(warning.description) }
        }
        warnings += router.warnings
        let (http, sql) = router.facts()
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        var result = AnalysisResult(captures: summaries, http: http, sql: sql, timeline: timeline,
                                    tcp: reassemblerTotals(reassembler, followed: router.followedConnections),
                                    tls: router.tlsNotes, warnings: warnings)
        result.timeline.anomalies += router.anomalies
        result.timeline.anomalies.sort { $0.time < $1.time }
        return result
    }

    private func loadKeyLogs(_ readers: [any CaptureReader]) -> KeyLogSources {
        KeyLogSources(paths: options.keyLogPaths)
    }

    private func reassemblerTotals(_ reassembler: TCPReassembler, followed: Int) -> TCPTotals {
        var totals = TCPTotals()
        totals.followedConnections = followed
        return totals
    }
}

/// Key log files named on the command line; pcapng secrets are added as readers meet them.
struct KeyLogSources {
    var paths: [String]
}
