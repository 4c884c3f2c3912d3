import CaptureIO
import PacketDecoding
import Reassembly

/// Two threads on one file: while this thread walks a range, another walks the rest of the
/// file from a guessed record boundary (`PcapRangeWalker.resynchronize`) and logs its TCP
/// segments. The guess is used only when this thread's own walk lands exactly on it; then the
/// other range's counts are added, and its segments are replayed, in order, into the same
/// reassembler, so connections are counted exactly as one walk counts them. Anything that
/// would make the merge inexact (IP fragments, which the decoder joins across records) sends
/// the file back to the one-thread walk.
extension CaptureSurvey {
    /// Nil when the file is not one to split: small, not a plain pcap file, one processor.
    func runInRanges(path: String, progress: ((Int, Int) -> Void)?) throws(CaptureError) -> CaptureSummary? {
        guard JoinableThread.processorCount > 1 else { return nil }
        var limits = NativeCaptureReader.Limits()
        limits.populateDistance = 0
        // The native reader reads the header (and throws what `openCapture` throws); records
        // are then read by range walkers.
        let reader = try NativeCaptureReader(path: path, limits: limits)
        let fileSize = reader.fileSize
        guard fileSize >= parallelThreshold, let magic = PcapRangeWalker.magic(path: path),
              let layout = PcapRangeWalker.layout(of: reader.info, path: path, magic: magic),
              let walker = PcapRangeWalker(path: path, layout: layout, fileSize: fileSize, from: 24) else { return nil }
        let own = OwnRange(walker: walker, info: reader.info, watchedPorts: watchedPorts, progress: progress)
        own.summary.fileSize = fileSize
        own.walk(before: 25) // the first record: its time bounds the plausible ones
        guard let firstTime = own.summary.first else { return finished(own, reader) }
        let seconds = firstTime.seconds
        let window: Int64 = 366 * 86_400
        let secondsRange = UInt32(clamping: seconds &- window)...UInt32(clamping: seconds &+ window)

        // The other thread's last range, merged but not yet replayed into the reassembler: its
        // segments go in before this thread's next records do, while the next range is walked.
        var pending: SurveyedRange?
        var otherLength = 0
        var balance = RangeBalance()
        while walker.warning == nil, fileSize &- walker.offset >= minimumSplit {
            let left = fileSize &- walker.offset
            let pendingBytes = pending.map { $0.stop &- $0.start } ?? 0
            let ownLength = balance.ownLength(expectedOther: min(left, pending == nil ? maxRangeBytes : otherLength),
                                              pendingBytes: pendingBytes, cap: Int(Double(left) * splitShare))
            let ownStart = walker.offset
            let split = ownStart &+ max(ownLength, 1)
            let other = SurveyedRange(info: reader.info)
            let maxSegments = maxLoggedSegments, maxBytes = maxRangeBytes
            guard let otherWalker = PcapRangeWalker(path: path, layout: layout, fileSize: fileSize, from: split),
                  let thread = JoinableThread({
                      other.walk(otherWalker, from: split, secondsRange: secondsRange, maxSegments: maxSegments, maxBytes: maxBytes)
                  }) else { break }
            let replayStart = ContinuousClock.now
            pending?.replay(into: own.counter.reassembler)
            pending = nil
            let replayNanoseconds = RangeBalance.nanoseconds(since: replayStart)
            let walkStart = ContinuousClock.now
            own.walk(before: split)
            let walkNanoseconds = RangeBalance.nanoseconds(since: walkStart)
            thread.join()
            balance.measured(ownBytes: walker.offset &- ownStart, ownNanoseconds: walkNanoseconds,
                             replayedBytes: pendingBytes, replayNanoseconds: replayNanoseconds,
                             otherBytes: other.stop &- other.start, otherNanoseconds: other.elapsedNanoseconds)
            own.walk(before: other.found ? other.start : split)
            guard other.found, walker.offset == other.start, walker.warning == nil else {
                rangeLog?.discarded &+= 1
                continue
            }
            rangeLog?.merged &+= 1
            guard !other.unmergeable, let lateAtJoin = other.outOfOrderAfter(latestBefore: own.summary.last) else { return nil }
            own.summary.append(other.summary, outOfOrderAtJoin: lateAtJoin)
            if let time = other.lastRecordTime { own.lastTime = time }
            other.dropRecordTimes()
            pending = other
            otherLength = other.stop &- other.start
            walker.seek(to: other.stop)
            progress?(other.stop, fileSize)
        }
        pending?.replay(into: own.counter.reassembler)
        own.walk(before: .max)
        return finished(own, reader)
    }

    private func finished(_ own: OwnRange, _ reader: NativeCaptureReader) -> CaptureSummary? {
        guard own.decoder.statistics.fragments == 0 else { return nil }
        own.counter.reassembler.finish(at: own.lastTime)
        var summary = own.summary
        summary.warning = own.walker.warning
        summary.interfaceStatistics = reader.interfaceStatistics
        summary.linkTypes = mergedLinkTypes(summary.linkTypes, reader.linkTypes)
        summary.connectionsByPort = own.counter.connectionsByPort
        return summary
    }
}

/// The walking thread's state: the authoritative walk, which every merge continues.
private final class OwnRange {
    let walker: PcapRangeWalker
    var summary: CaptureSummary
    let decoder = PacketDecoder()
    let counter: ConnectionCounter
    var lastTime = Timestamp.zero
    let progress: ((Int, Int) -> Void)?

    init(walker: PcapRangeWalker, info: CaptureFileInfo, watchedPorts: Set<UInt16>, progress: ((Int, Int) -> Void)?) {
        self.walker = walker
        summary = CaptureSummary(info: info)
        counter = ConnectionCounter(watchedPorts: watchedPorts)
        self.progress = progress
    }

    /// Walks records starting before `limit` (the first one at or after it stays unread).
    func walk(before limit: Int) {
        let reassembler = counter.reassembler
        while let record = walker.next(before: limit) {
            summary.add(record)
            lastTime = record.timestamp
            if case .tcp(let segment) = decoder.decode(record) {
                reassembler.process(segment, at: record.timestamp)
            }
            if summary.packets & 0xffff == 0 { progress?(walker.offset, walker.end) }
        }
    }
}
