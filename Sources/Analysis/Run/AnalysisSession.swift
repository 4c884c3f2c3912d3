import CaptureIO
import HTTPDecoding
import PacketDecoding
import Reassembly
import Timeline

/// One analysis fed record by record: by `CaptureAnalysis` from files, and by live capture
/// from an interface, so both run the same decoders and timeline.
package final class AnalysisSession {
    /// Something the live view prints as soon as it is complete.
    package enum LiveEvent {
        case http(HTTPFact)
        case sql(SQLFact)
        /// An image's status changed: written by a SQL statement (`source` "sql", at the
        /// statement's time), or, for an image whose SQL is not captured, reported by an API
        /// response ("http", at the response's end). Committed or not: the live view cannot wait.
        case status(imageID: String, status: String, time: Timestamp, source: String)
    }

    /// The options the session was made with.
    package let options: CaptureAnalysis.Options
    private var summaries: [CaptureSummary] = []
    private let decoder = PacketDecoder()
    /// The one router (one thread), or nil when workers decode (`sharded`).
    private let router: ProtocolRouter?
    private let sharded: ShardedRecorder?
    private let recorder: any FactRecorder
    private let reassembler: TCPReassembler
    private var lastTime = Timestamp.zero
    private var warnings: [String] = []
    /// Packets of link types the decoder cannot read, per capture and link type: one warning each.
    private var undecodedLinkTypes: [UndecodedLinkType: Int] = [:]

    /// Called as exchanges, commands and status changes complete (live view).
    package var onEvent: ((LiveEvent) -> Void)? {
        didSet { router?.onEvent = onEvent }
    }

    /// `workers`: decoding threads besides the reading one (`CaptureAnalysis.Options.threads`);
    /// 1 or less decodes on the calling thread, or, with `mysqlApart`, MySQL on one worker and the
    /// rest on the calling thread. Events (`onEvent`) need the calling thread.
    package init(options: CaptureAnalysis.Options, workers: Int = 1, mysqlApart: Bool = false) {
        self.options = options
        let router = ProtocolRouter(watchedPorts: options.watchedPorts, keyLogPaths: options.keyLogPaths,
                                    hashUploads: options.hashUploads, recordsMessageTexts: options.recordsMessageTexts)
        router.portProtocols = options.portProtocols
        let recorder: any FactRecorder
        if workers > 1 || mysqlApart {
            let sharded = ShardedRecorder(sniffer: router, options: options, workers: max(workers, 1), mysqlOnly: workers <= 1)
            self.sharded = sharded
            self.router = nil
            recorder = sharded
        } else {
            self.sharded = nil
            self.router = router
            recorder = router
        }
        self.recorder = recorder
        var configuration = TCPReassembler.Configuration()
        configuration.watchedPorts = options.watchedPorts
        configuration.memoryBudgetBytes = options.memoryBudgetBytes
        reassembler = TCPReassembler(configuration: configuration) { connection, firstPayload, direction in
            recorder.consumer(for: connection, firstPayload: firstPayload, direction: direction)
        }
        reassembler.onShedding = { connection, reason, starting in
            recorder.shedding(connection, reason: reason, starting: starting)
        }
    }

    /// Declares the next capture source (file or interface); returns its index for `feed`.
    @discardableResult
    package func addCapture(_ info: CaptureFileInfo, fileSize: Int = 0) -> Int {
        var summary = CaptureSummary(info: info)
        summary.fileSize = fileSize
        summaries.append(summary)
        return summaries.count - 1
    }

    /// pcapng Decryption Secrets Blocks met while reading.
    package func addSecrets(_ secrets: [DecryptionSecrets]) {
        recorder.addSecrets(secrets)
    }

    /// Decodes one record of capture `capture` (an index from `addCapture`) through the pipeline.
    package func feed(_ record: CaptureRecord, capture: Int) {
        if summaries.indices.contains(capture) { summaries[capture].add(record) }
        if record.timestamp > lastTime { lastTime = record.timestamp }
        sharded?.advance(past: record.bytes)
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
    package func endCapture(_ capture: Int, warning: CaptureWarning?, linkTypes: [LinkType],
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
    package func finish() -> AnalysisResult {
        reassembler.finish(at: lastTime)
        warnings += UndecodedLinkType.warnings(undecodedLinkTypes, paths: summaries.map(\.info.path))
        let recorded = recorder.finishRecording()
        let (http, sql) = (recorded.http, recorded.sql)
        // The capture is read: what served it (the hashers' spare arenas, reassembly and decoder
        // buffers) goes back to the system before the timeline's tables take their place.
        UploadHashing.releaseIdleArenas()
        ProcessMemory.releaseFreePages()
        var timeline = options.buildsImageStories ? ImageTimelineBuilder.build(http: http, sql: sql)
                                                  : ImageTimelineBuilder.attribution(http: http, sql: sql)
        timeline.apply(ProxyLegs.find(http: http, sql: sql), http: http, sql: sql)
        // After the timeline, which waited for the digests it reports: uploads it did not read
        // (a retried upload, an unrouted PUT) finish hashing too.
        UploadDigests.waitForAll()
        let shedding = reassembler.shedding
        var floodAnomaly: Anomaly?
        if let line = ShedReport.line(shedding, facts: recorded.shed, budgetBytes: options.memoryBudgetBytes,
                                      configuration: reassembler.configuration) {
            warnings.append(line)
            floodAnomaly = recorded.shed.anomaly(line)
        }
        var result = AnalysisResult(captures: summaries, http: http, sql: sql, timeline: timeline,
                                    tcp: reassembler.totals, tls: recorded.tlsNotes, warnings: warnings + recorded.warnings)
        result.timeline.anomalies += recorded.anomalies
        if let floodAnomaly { result.timeline.anomalies.append(floodAnomaly) }
        result.timeline.anomalies.sort { $0.time < $1.time }
        result.timeline.anomalies = AnomalyAggregation.aggregate(result.timeline.anomalies)
        return result
    }
}
