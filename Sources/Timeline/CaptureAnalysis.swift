import CaptureIO
import HTTPDecoding
import PacketDecoding
import Reassembly

/// The whole pipeline of `analyze`, `http` and `sql`: capture files, merged by time -> packets ->
/// TCP streams -> HTTP / MySQL / TLS decoders -> facts -> image timeline.
public struct CaptureAnalysis {
    public struct Options: Sendable {
        public var watchedPorts: Set<UInt16> = OpenStackPorts.watchedByDefault
        /// Ports decoded as a given protocol whatever their bytes look like (`--port N=mysql`);
        /// they should be in `watchedPorts` too.
        public var portProtocols: [UInt16: PortProtocol] = [:]
        public var readerKind: CaptureReaderKind = .native
        /// Clock corrections per capture path (`--time-offset FILE=SECONDS`), in nanoseconds.
        public var timeOffsets: [String: Int64] = [:]
        /// NSS key log files (`--keylog`).
        public var keyLogPaths: [String] = []
        /// Hash uploaded image data (MD5, SHA-512); `sql` does not report it and skips the cost.
        public var hashUploads = true
        /// Estimate the clock offsets of merged captures whose offset is not given (a first read
        /// of each file's start; see `ClockSkewSurvey`).
        public var estimatesClockSkew = true
        /// Estimated memory for per-connection state (`--memory MB`); see
        /// `TCPReassembler.Configuration.memoryBudgetBytes`. 0: no budget.
        public var memoryBudgetBytes = TCPReassembler.Configuration().memoryBudgetBytes
        public init() {}
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    /// Runs the pipeline over `paths`; `progress` gets (bytes consumed, total bytes) now and then;
    /// `opened` gets the files' headers once all are open; `onEvent` gets each exchange, statement
    /// and status change as it completes (`--follow`).
    public func run(paths: [String], progress: ((Int, Int) -> Void)? = nil, opened: (([CaptureFileInfo]) -> Void)? = nil,
                    onEvent: ((AnalysisSession.LiveEvent) -> Void)? = nil) throws(CaptureError) -> AnalysisResult {
        let clocks = try ClockOffsets(paths: paths, options: options)
        var readers: [any CaptureReader] = []
        for path in paths { readers.append(try openCapture(path: path, reader: options.readerKind)) }
        opened?(readers.map(\.info))
        let session = AnalysisSession(options: options)
        session.onEvent = onEvent
        for reader in readers { session.addCapture(reader.info, fileSize: reader.fileSize) }
        let merged = MergedCaptureReader(readers: readers, offsets: clocks.offsets)
        let totalBytes = readers.reduce(0) { $0 + $1.fileSize }
        var count = 0
        var secretsSeen = Array(repeating: 0, count: readers.count)
        // Only pcapng has Decryption Secrets Blocks: pcap files skip the per-packet look.
        let mayHoldSecrets = readers.map { $0.info.format == .pcapng }
        while let (record, file) = try merged.next() {
            // Secrets blocks precede the packets they decrypt: hand the new ones over first.
            if mayHoldSecrets[file] {
                let secrets = readers[file].secrets
                if secrets.count > secretsSeen[file] {
                    session.addSecrets(Array(secrets[secretsSeen[file]...]))
                    secretsSeen[file] = secrets.count
                }
            }
            session.feed(record, capture: file)
            count &+= 1
            if count & 0xffff == 0, let progress {
                progress(readers.reduce(0) { $0 + $1.bytesConsumed }, totalBytes)
            }
        }
        for (i, reader) in readers.enumerated() {
            session.endCapture(i, warning: reader.warning, linkTypes: reader.linkTypes, statistics: reader.interfaceStatistics)
        }
        var result = session.finish()
        clocks.describe(&result)
        return result
    }
}

/// One analysis fed record by record: by `CaptureAnalysis` from files, and by live capture
/// from an interface, so both run the same decoders and timeline.
public final class AnalysisSession {
    /// Something the live view prints as soon as it is complete.
    public enum LiveEvent {
        case http(HTTPFact)
        case sql(SQLFact)
        /// An image's status changed: written by a SQL statement (`source` "sql", at the
        /// statement's time), or, for an image whose SQL is not captured, reported by an API
        /// response ("http", at the response's end). Committed or not: the live view cannot wait.
        case status(imageID: String, status: String, time: Timestamp, source: String)
    }

    public let options: CaptureAnalysis.Options
    private var summaries: [CaptureSummary] = []
    private let decoder = PacketDecoder()
    private let router: ProtocolRouter
    private let reassembler: TCPReassembler
    private var lastTime = Timestamp.zero
    private var warnings: [String] = []
    /// Packets of link types the decoder cannot read, per capture and link type: one warning each.
    private var undecodedLinkTypes: [UndecodedLinkType: Int] = [:]

    /// Called as exchanges, commands and status changes complete (live view).
    public var onEvent: ((LiveEvent) -> Void)? {
        didSet { router.onEvent = onEvent }
    }

    public init(options: CaptureAnalysis.Options) {
        self.options = options
        let router = ProtocolRouter(watchedPorts: options.watchedPorts, keyLogPaths: options.keyLogPaths,
                                    hashUploads: options.hashUploads)
        router.portProtocols = options.portProtocols
        self.router = router
        var configuration = TCPReassembler.Configuration()
        configuration.watchedPorts = options.watchedPorts
        configuration.memoryBudgetBytes = options.memoryBudgetBytes
        reassembler = TCPReassembler(configuration: configuration) { connection, firstPayload, direction in
            router.consumer(for: connection, firstPayload: firstPayload, direction: direction)
        }
        reassembler.onShedding = { connection, reason, starting in
            router.shedding(connection, reason: reason, starting: starting)
        }
    }

    /// Declares the next capture source (file or interface); returns its index for `feed`.
    @discardableResult
    public func addCapture(_ info: CaptureFileInfo, fileSize: Int = 0) -> Int {
        var summary = CaptureSummary(info: info)
        summary.fileSize = fileSize
        summaries.append(summary)
        return summaries.count - 1
    }

    /// pcapng Decryption Secrets Blocks met while reading.
    public func addSecrets(_ secrets: [DecryptionSecrets]) {
        router.addSecrets(secrets)
    }

    public func feed(_ record: CaptureRecord, capture: Int) {
        if summaries.indices.contains(capture) { summaries[capture].add(record) }
        if record.timestamp > lastTime { lastTime = record.timestamp }
        switch decoder.decode(record) {
        case .tcp(let segment):
            reassembler.process(segment, at: record.timestamp)
        case .skipped(.unsupportedLinkType):
            undecodedLinkTypes[UndecodedLinkType(capture: capture, linkType: record.linkType), default: 0] += 1
        default:
            break
        }
    }

    /// `statistics`: the capture's own counters (pcapng ISB); drops among them are warned about,
    /// since a gap may then be the capture's doing rather than the network's.
    public func endCapture(_ capture: Int, warning: CaptureWarning?, linkTypes: [LinkType],
                           statistics: [InterfaceStatistics] = []) {
        guard summaries.indices.contains(capture) else { return }
        summaries[capture].warning = warning
        for t in linkTypes where !summaries[capture].linkTypes.contains(t) { summaries[capture].linkTypes.append(t) }
        if let warning { warnings.append(warning.description) }
        summaries[capture].interfaceStatistics = statistics
        if let drops = summaries[capture].droppedByCapture, drops.total > 0 {
            warnings.append(CaptureDropWarning.message(path: summaries[capture].info.path, drops: drops))
        }
    }

    /// Flushes every open connection and builds the result.
    public func finish() -> AnalysisResult {
        reassembler.finish(at: lastTime)
        warnings += UndecodedLinkType.warnings(undecodedLinkTypes, paths: summaries.map(\.info.path))
        let (http, sql) = router.facts()
        var timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        timeline.apply(ProxyLegs.find(http: http, sql: sql), http: http, sql: sql)
        // After the timeline, which waited for the digests it reports: uploads it did not read
        // (a retried upload, an unrouted PUT) finish hashing too.
        UploadDigests.waitForAll()
        let shedding = reassembler.shedding
        var floodAnomaly: Anomaly?
        if let line = ShedReport.line(shedding, facts: router.shed, budgetBytes: options.memoryBudgetBytes,
                                      configuration: reassembler.configuration) {
            warnings.append(line)
            floodAnomaly = router.shed.anomaly(line)
        }
        var result = AnalysisResult(captures: summaries, http: http, sql: sql, timeline: timeline,
                                    tcp: reassembler.totals, tls: router.tlsNotes, warnings: warnings + router.warnings)
        result.timeline.anomalies += router.anomalies
        if let floodAnomaly { result.timeline.anomalies.append(floodAnomaly) }
        result.timeline.anomalies.sort { $0.time < $1.time }
        result.timeline.anomalies = AnomalyAggregation.aggregate(result.timeline.anomalies)
        return result
    }
}
