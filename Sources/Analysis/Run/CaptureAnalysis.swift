#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Timeline
import CaptureIO
import HTTPDecoding
import PacketDecoding
import Reassembly

/// The whole pipeline of `analyze`, `http` and `sql`: capture files, merged by time -> packets ->
/// TCP streams -> HTTP / MySQL / TLS decoders -> facts -> image timeline.
package struct CaptureAnalysis {
    /// What to follow and how to read it (the reading commands' options).
    package struct Options: Sendable {
        /// Server ports followed: Keystone, Glance (plain and TLS) and MySQL by default, plus `--port`.
        package var watchedPorts: Set<UInt16> = OpenStackPorts.watchedByDefault
        /// Ports decoded as a given protocol whatever their bytes look like (`--port N=mysql`);
        /// they should be in `watchedPorts` too.
        package var portProtocols: [UInt16: PortProtocol] = [:]
        /// Which reader opens the files (`--reader`).
        package var readerKind: CaptureReaderKind = .native
        /// Clock corrections per capture path (`--time-offset FILE=SECONDS`), in nanoseconds.
        package var timeOffsets: [String: Int64] = [:]
        /// NSS key log files (`--keylog`).
        package var keyLogPaths: [String] = []
        /// Hash uploaded image data (MD5, SHA-512); `sql` does not report it and skips the cost.
        package var hashUploads = true
        /// Keep each HTTP exchange's message texts (`HTTPFact.messages`: start lines, masked
        /// headers, capped bodies). Only the HTML report's sequence view shows them, and on an
        /// API-heavy capture building and spilling them is a fifth of the run: the command that
        /// knows its output turns them off when it will not show them.
        package var recordsMessageTexts = true
        /// Build the images' stories (lifecycles, uploads, anomalies, token and call links) after
        /// the capture is read. Off, the timeline holds only the statements' links to requests and
        /// the proxy legs (`ImageTimelineBuilder.attribution`): all that the `sql` list prints.
        package var buildsImageStories = true
        /// Estimate the clock offsets of merged captures whose offset is not given (a first read
        /// of each file's start; see `ClockSkewSurvey`).
        package var estimatesClockSkew = true
        /// Estimated memory for per-connection state (`--memory MB`); see
        /// `TCPReassembler.Configuration.memoryBudgetBytes`. 0: no budget.
        package var memoryBudgetBytes = TCPReassembler.Configuration().memoryBudgetBytes
        /// Decoding threads (`--threads`): above 1, followed connections are decoded by that many
        /// workers besides the reading thread (`ShardedRecorder`), with the same result; 1 decodes
        /// on the reading thread. Runs with `onEvent` (`--follow`) always use one.
        package var threads = 1
        /// With `threads` 1: MySQL connections are decoded by one worker thread and the rest on
        /// the reading thread (`ShardedRecorder`'s `mysqlOnly`), with the same result. For `sql`
        /// on upload captures, where handing the uploads' segments to workers costs the reader
        /// more than it saves, but the statements are worth a core of their own.
        package var decodesMySQLApart = false
        /// Batch sizes and queue depth of the decoding workers (tests make them tiny).
        package var sharding = ShardingLimits()
        package init() {}
    }

    /// The options every run of this analysis uses.
    package var options: Options

    package init(options: Options) { self.options = options }

    /// Runs the pipeline over `paths`; `progress` gets (bytes consumed, total bytes) now and then;
    /// `opened` gets the files' headers once all are open; `onEvent` gets each exchange, statement
    /// and status change as it completes (`--follow`).
    package func run(paths: [String], progress: ((Int, Int) -> Void)? = nil, opened: (([CaptureFileInfo]) -> Void)? = nil,
                    onEvent: ((AnalysisSession.LiveEvent) -> Void)? = nil) throws(CaptureError) -> AnalysisResult {
        let clocks = try ClockOffsets(paths: paths, options: options)
        var readers: [any CaptureReader] = []
        for path in paths { readers.append(try openCapture(path: path, reader: options.readerKind)) }
        opened?(readers.map(\.info))
        let session = AnalysisSession(options: options, workers: onEvent == nil ? options.threads : 1,
                                      mysqlApart: onEvent == nil && options.decodesMySQLApart)
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
