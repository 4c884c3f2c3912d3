import CaptureIO
import PacketDecoding
import Reassembly

/// Two threads on one file: while this thread walks a chunk, another walks chunks ahead from
/// guessed record boundaries (`PcapRangeWalker.resynchronize`) and logs their TCP segments
/// (`RangeHandoff` says who walks what). A guess is used only when this thread's own walk lands
/// exactly on it; then the other range's counts are added, and its segments are replayed, in
/// order, into the same reassembler, so connections are counted exactly as one walk counts
/// them. Anything that would make the merge inexact (IP fragments, which the decoder joins
/// across records) sends the file back to the one-thread walk.
extension CaptureSurvey {
    /// Nil when the file is not one to split: small, not a plain pcap file, one processor.
    func runInRanges(path: String, progress: ((Int, Int) -> Void)?) throws(CaptureError) -> CaptureSummary? {
        guard JoinableThread.processorCount > 1 else { return nil }
        // The native reader reads the header (and throws what `openCapture` throws); records
        // are then read by range walkers, so it starts no thread and reads no buffer ahead.
        var limits = NativeCaptureReader.Limits()
        limits.populateDistance = 0
        limits.readsAhead = false
        limits.readBufferSize = 4096
        let reader = try NativeCaptureReader(path: path, limits: limits)
        let fileSize = reader.fileSize
        guard fileSize >= parallelThreshold, let magic = PcapRangeWalker.magic(path: path),
              let layout = PcapRangeWalker.layout(of: reader.info, path: path, magic: magic),
              let walker = PcapRangeWalker(path: path, layout: layout, fileSize: fileSize, from: 24),
              let otherWalker = PcapRangeWalker(path: path, layout: layout, fileSize: fileSize, from: 24) else { return nil }
        let own = OwnRange(walker: walker, info: reader.info, watchedPorts: watchedPorts, maxSegments: maxLoggedSegments,
                           progress: progress)
        own.summary.fileSize = fileSize
        own.walk(before: 25) // the first record: its time bounds the plausible ones
        guard let firstTime = own.summary.first else { return finished(own, reader) }
        let seconds = firstTime.seconds
        let window: Int64 = 366 * 86_400
        let secondsRange = UInt32(clamping: seconds &- window)...UInt32(clamping: seconds &+ window)

        let handoff = RangeHandoff(base: walker.offset, fileSize: fileSize, chunkBytes: chunkBytes, maxAhead: maxChunksAhead)
        handoff.meetsOther = meetsOtherThread
        rangeLog?.ranInChunks = true
        let info = reader.info, maxSegments = maxLoggedSegments
        guard let other = JoinableThread({
            while let index = handoff.nextForOther() {
                let range = handoff.emptyRange(info: info)
                range.walk(otherWalker, from: handoff.start(of: index), before: handoff.limit(of: index),
                           secondsRange: secondsRange, maxSegments: maxSegments) { handoff.isCeded(index) }
                handoff.publish(range, for: index)
            }
        }) else { return nil }
        defer {
            handoff.stop()
            other.join()
        }
        for index in 0..<handoff.chunkCount {
            guard walker.warning == nil else { break }
            if case .logged(let range) = handoff.take(index) {
                guard range.found, walker.offset == range.start else {
                    rangeLog?.discarded &+= 1
                    handoff.recycle(range)
                    guard own.walkLogged(before: handoff.limit(of: index)) else { return nil }
                    continue
                }
                rangeLog?.merged &+= 1
                rangeLog?.mergedRecords &+= range.summary.packets
                guard !range.unmergeable, let lateAtJoin = range.outOfOrderAfter(latestBefore: own.summary.last) else { return nil }
                own.summary.append(range.summary, outOfOrderAtJoin: lateAtJoin)
                if let time = range.lastRecordTime { own.lastTime = time }
                range.replay(into: own.counter.reassembler)
                walker.seek(to: range.stop)
                if range.stop < handoff.limit(of: index) && range.stop < fileSize { rangeLog?.partial &+= 1 }
                progress?(range.stop, fileSize)
                handoff.recycle(range)
            }
            guard own.walkLogged(before: handoff.limit(of: index)) else { return nil }
        }
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

    /// The walking thread's own ranges, logged and merged as the other thread's are.
    let ownRange: SurveyedRange
    let info: CaptureFileInfo
    let maxSegments: Int

    init(walker: PcapRangeWalker, info: CaptureFileInfo, watchedPorts: Set<UInt16>, maxSegments: Int,
         progress: ((Int, Int) -> Void)?) {
        self.walker = walker
        self.info = info
        self.maxSegments = maxSegments
        summary = CaptureSummary(info: info)
        counter = ConnectionCounter(watchedPorts: watchedPorts)
        ownRange = SurveyedRange(info: info)
        self.progress = progress
    }

    /// Walks records starting before `limit` as the other thread walks its ranges, logging
    /// their segments, then merges them (`SurveyedRange.replay`): most of a capture's segments
    /// are runs the reassembler takes at once, which costs less than reassembling each segment
    /// as it is read. False when the walk cannot be merged exactly (IP fragments, or times out
    /// of order that the kept ones cannot place).
    func walkLogged(before limit: Int) -> Bool {
        while true {
            let range = ownRange
            range.reset(info: info)
            // Stopping before `latestSoFar` is full keeps the join's out-of-order count exact.
            range.walkRecords(walker, before: limit, maxSegments: maxSegments, maxRecords: SurveyedRange.latestSoFarCap) { false }
            guard range.summary.packets > 0 else { return true }
            guard !range.unmergeable, let lateAtJoin = range.outOfOrderAfter(latestBefore: summary.last) else { return false }
            summary.append(range.summary, outOfOrderAtJoin: lateAtJoin)
            if let time = range.lastRecordTime { lastTime = time }
            range.replay(into: counter.reassembler)
            progress?(walker.offset, walker.end)
        }
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
