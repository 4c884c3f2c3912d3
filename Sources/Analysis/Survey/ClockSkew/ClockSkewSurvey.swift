import Timeline
import CaptureIO
import PacketDecoding

/// Reads the start of each capture file alone to collect `ClockSkewEvidence`, then estimates
/// the files' clock offsets against the files whose offset is known.
///
/// The files are read a first time for this, so it needs files, not pipes. Only a prefix of
/// each is read (`maxPackets`, `maxSeconds` of capture time): a skew shows in any stretch both
/// files hold, and a multi-gigabyte capture must not be read twice.
package struct ClockSkewSurvey {
    /// One file's outcome.
    package enum Outcome: Sendable, Equatable {
        /// The offset (nanoseconds, to add to the file's timestamps) and how it was found.
        case estimated(offset: Int64, ClockSkewEstimator.Estimate)
        /// No evidence tied this file to one whose offset is known.
        case unknown(reason: String)
        /// The file's offset was given, or it is the reference (offset 0).
        case fixed(Int64)
    }

    /// The options of the analysis to come (ports, reader).
    package var options: CaptureAnalysis.Options
    /// Packets read from the start of each file at most.
    package var maxPackets = 2_000_000
    /// Seconds of capture read from the start of each file at most.
    package var maxSeconds: Int64 = 300
    /// Skews searched by the SQL-inside-requests method, in nanoseconds either way.
    package var searchRange: Int64 = 60_000_000_000

    package init(options: CaptureAnalysis.Options) { self.options = options }

    /// Offsets for `paths`: `given[i]` where known (the first file is the reference when none
    /// is), estimated for the others. A file that overlaps in time with none whose offset is
    /// known keeps its clock (`.fixed(0)`): it is a piece of a capture cut in turn.
    package func run(paths: [String], given: [Int64?]) throws(CaptureError) -> [Outcome] {
        // Time ranges first (a read of record headers only): files that overlap no other are
        // pieces of a capture cut in turn, and need no decoding.
        var evidence: [ClockSkewEvidence] = []
        for path in paths { evidence.append(try timeRange(path)) }
        for i in paths.indices where evidence.indices.contains(where: { $0 != i && evidence[i].overlaps(evidence[$0]) }) {
            evidence[i] = try collect(paths[i])
        }
        var outcomes: [Outcome] = given.map { $0.map(Outcome.fixed) ?? .unknown(reason: "") }
        if !given.contains(where: { $0 != nil }), !outcomes.isEmpty { outcomes[0] = .fixed(0) }
        // Anchor files one at a time: a file tied to any anchored one becomes an anchor itself.
        var progress = true
        while progress {
            progress = false
            for i in outcomes.indices {
                guard case .unknown = outcomes[i] else { continue }
                if let (offset, estimate) = bestEstimate(for: i, evidence: evidence, outcomes: outcomes) {
                    outcomes[i] = .estimated(offset: offset, estimate)
                    progress = true
                }
            }
        }
        for i in outcomes.indices {
            guard case .unknown = outcomes[i] else { continue }
            if !evidence.indices.contains(where: { $0 != i && evidence[i].overlaps(evidence[$0]) }) {
                outcomes[i] = .fixed(0)
                continue
            }
            outcomes[i] = .unknown(reason: "it shares no packet with the other captures and none of its SQL "
                                   + "(or of theirs) fits inside an HTTP request of the other side")
        }
        return outcomes
    }

    /// Shared packets with any anchored file first, then SQL inside requests; the estimate with the
    /// most support wins within a method.
    private func bestEstimate(for i: Int, evidence: [ClockSkewEvidence],
                              outcomes: [Outcome]) -> (Int64, ClockSkewEstimator.Estimate)? {
        var anchors: [(Int, Int64)] = []
        // Files that do not overlap in time are pieces of one capture taken in turn: one clock.
        for (j, outcome) in outcomes.enumerated() where j != i && evidence[i].overlaps(evidence[j]) {
            switch outcome {
            case .fixed(let offset), .estimated(let offset, _): anchors.append((j, offset))
            case .unknown: break
            }
        }
        var best: (Int64, ClockSkewEstimator.Estimate)?
        for (j, anchorOffset) in anchors {
            guard let estimate = ClockSkewEstimator.sharedPackets(file: evidence[i], reference: evidence[j]) else { continue }
            if best.map({ estimate.support > $0.1.support }) ?? true { best = (anchorOffset &- estimate.skew, estimate) }
        }
        if best != nil { return best }
        for (j, anchorOffset) in anchors {
            // The anchor's timestamps get its offset: search around the skew that offset implies.
            guard let estimate = ClockSkewEstimator.sqlInsideRequests(
                file: evidence[i], reference: evidence[j], range: -searchRange...searchRange) else { continue }
            if best.map({ estimate.support > $0.1.support }) ?? true { best = (anchorOffset &- estimate.skew, estimate) }
        }
        return best
    }

    /// The first and last packet times of the prefix `collect` would read.
    private func timeRange(_ path: String) throws(CaptureError) -> ClockSkewEvidence {
        let reader = try openCapture(path: path, reader: options.readerKind)
        var evidence = ClockSkewEvidence(maxSegments: 0)
        try readPrefix(reader) { evidence.note($0.timestamp) }
        return evidence
    }

    /// Hands `body` each record of the prefix the survey reads: at most `maxSeconds` of capture
    /// time from the first record and `maxPackets` records.
    private func readPrefix(_ reader: any CaptureReader, _ body: (CaptureRecord) -> Void) throws(CaptureError) {
        var first: Timestamp?
        var packets = 0
        while let record = try reader.next() {
            if first == nil { first = record.timestamp }
            if let first, record.timestamp.nanoseconds(since: first) > maxSeconds * 1_000_000_000 { break }
            packets += 1
            if packets > maxPackets { break }
            body(record)
        }
    }

    /// Reads the prefix of one file alone: its segments, and its HTTP and SQL facts.
    private func collect(_ path: String) throws(CaptureError) -> ClockSkewEvidence {
        let reader = try openCapture(path: path, reader: options.readerKind)
        var sessionOptions = options
        sessionOptions.hashUploads = false
        sessionOptions.recordsMessageTexts = false
        sessionOptions.timeOffsets = [:]
        let session = AnalysisSession(options: sessionOptions)
        session.addCapture(reader.info)
        let decoder = PacketDecoder()
        var evidence = ClockSkewEvidence()
        try readPrefix(reader) { record in
            evidence.note(record.timestamp)
            if case .tcp(let segment) = decoder.decode(record) { evidence.add(segment, at: record.timestamp) }
            session.feed(record, capture: 0)
        }
        let result = session.finish()
        evidence.add(http: result.http, sql: result.sql)
        return evidence
    }
}
