import Analysis
import ArgumentParser
import CaptureIO
import Timeline

/// Options of the commands that decode protocols (`analyze`, `http`, `sql`).
struct AnalysisOptions: ParsableArguments {
    @Option(name: .customLong("keylog"),
            help: ArgumentHelp("NSS key log (SSLKEYLOGFILE) to decrypt TLS: HTTPS on the public endpoints, MySQL after SSLRequest (repeatable).", valueName: "file"))
    var keyLogs: [String] = []

    @Option(name: .customLong("time-offset"),
            help: ArgumentHelp("Correct a known clock skew of one capture: FILE=SECONDS, added to its timestamps (repeatable).",
                               valueName: "file=seconds"))
    var timeOffsets: [String] = []

    @Option(name: .customLong("memory"),
            help: ArgumentHelp("Memory budget for per-connection state, in MB: past it the connections idle longest in capture time are closed early and counted, as in a connection flood; 0: no budget.",
                               valueName: "MB"))
    var memoryMB: Int = TCPReassemblerDefaults.memoryMB

    @Option(name: .customLong("threads"),
            help: ArgumentHelp("Decoding threads: above 1, the followed connections are spread over that many threads besides the one reading the capture, with the same output; 1 decodes on the reading thread. --follow uses one. Default: the available cores when the capture's first records are small (API calls, queries), else 1 (bulk uploads, where reading is the work; `sql` then decodes MySQL on a second thread).",
                               valueName: "N"))
    var threads: Int?

    func validate() throws {
        _ = try parsedOffsets()
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads \(threads): expected a count from 1 to 256, e.g. --threads 2")
        }
        guard memoryMB >= 0, memoryMB <= 1 << 20 else {
            throw ValidationError("--memory \(memoryMB): expected megabytes from 0 (no budget) to 1048576, e.g. --memory 256")
        }
    }

    func parsedOffsets() throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for item in timeOffsets {
            guard let eq = item.lastIndex(of: "="), let seconds = Double(item[item.index(after: eq)...]),
                  seconds.isFinite, abs(seconds) < 1e9 else {
                throw ValidationError("--time-offset \(item): expected FILE=SECONDS, e.g. controller.pcap=-1.5")
            }
            result[String(item[..<eq])] = Int64((seconds * 1e9).rounded())
        }
        return result
    }

    /// Runs the pipeline with a progress line, turning capture errors into one-line failures;
    /// `onEvent` gets each event as it completes (`analyze --follow`). `messageTexts`: the
    /// command's output shows the exchanges' message texts (only the HTML report does), so the
    /// run must build and keep them; each command says, none is given a default. `imageStories`:
    /// the output reads the images' stories, anomalies or call links, not only which request
    /// issued each statement (`CaptureAnalysis.Options.buildsImageStories`). `mysqlApart`: where
    /// the default gives one decoding thread (an upload capture), MySQL is decoded on a second
    /// (`CaptureAnalysis.Options.decodesMySQLApart`); `--threads` given keeps what it says.
    func analyse(_ capture: CaptureOptions, hashUploads: Bool = true, messageTexts: Bool, imageStories: Bool = true,
                 mysqlApart: Bool = false,
                 opened: (([CaptureFileInfo]) -> Void)? = nil,
                 onEvent: ((AnalysisSession.LiveEvent) -> Void)? = nil) throws -> AnalysisResult {
        var options = CaptureAnalysis.Options()
        options.hashUploads = hashUploads
        options.recordsMessageTexts = messageTexts
        options.buildsImageStories = imageStories
        options.watchedPorts = capture.watchedPorts
        options.portProtocols = capture.portProtocols
        options.readerKind = capture.reader
        options.keyLogPaths = keyLogs
        options.timeOffsets = try parsedOffsets()
        options.memoryBudgetBytes = memoryMB << 20
        // `--follow` decodes on one thread (`CaptureAnalysis.run`): no sample read to choose.
        options.threads = threads ?? (onEvent != nil ? 1 : DecodingThreads.automatic(paths: capture.captures, reader: capture.reader,
                                                                                      cores: JoinableThread.processorCount))
        options.decodesMySQLApart = mysqlApart && threads == nil && onEvent == nil && options.threads == 1
            && JoinableThread.processorCount > 1
        let label = capture.captures.count == 1 ? capture.captures[0] : "\(capture.captures.count) captures"
        let progress = ProgressLine(label: label == CaptureInput.standardInput ? "standard input" : label, quiet: capture.quiet)
        defer { progress.finish() }
        let interruption = InputInterruption(paths: capture.captures)
        defer { interruption.restore() }
        do {
            let result = try CaptureAnalysis(options: options).run(paths: capture.captures,
                                                                   progress: { progress.update(done: $0, total: $1) },
                                                                   opened: opened, onEvent: onEvent)
            progress.finish()
            if interruption.interrupted && !capture.quiet {
                writeStandardError("glancetrace: interrupted: the report covers the input read until then\n")
            }
            if !capture.quiet { for warning in result.warnings { writeStandardError("warning: \(warning)\n") } }
            return result
        } catch {
            throw CommandFailure(message: error.description)
        }
    }
}

/// The reassembler's default budget, in the unit `--memory` takes.
enum TCPReassemblerDefaults {
    static let memoryMB = CaptureAnalysis.Options().memoryBudgetBytes >> 20
}
