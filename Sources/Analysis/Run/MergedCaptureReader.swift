import Timeline
import CaptureIO

/// Reads several capture files as one, in timestamp order: captures taken on several
/// hosts of one deployment are analysed together.
///
/// Each reader keeps one record pending. A record borrows its own reader's buffer until
/// that reader's next read, so the slot just handed out is refilled only on the next call.
package final class MergedCaptureReader {
    package let readers: [any CaptureReader]
    /// Per-file clock corrections (`--time-offset`), in nanoseconds.
    private let offsets: [Int64]
    private var pending: [CaptureRecord?]
    private var slotsToRefill: [Int]
    /// The reader when there is one.
    private let only: (any CaptureReader)?

    package init(readers: [any CaptureReader], offsets: [Int64]? = nil) {
        self.readers = readers
        self.offsets = offsets ?? Array(repeating: 0, count: readers.count)
        pending = Array(repeating: nil, count: readers.count)
        slotsToRefill = Array(readers.indices)
        only = readers.count == 1 ? readers[0] : nil
    }

    /// The next record of all files, and the index of the file it came from.
    package func next() throws(CaptureError) -> (record: CaptureRecord, file: Int)? {
        // One file (the rule): its records in its order, without the pending slots' copies (a
        // retain and a release each, per record: a hundredth of a run over small API calls).
        if let only { return try pull(only, 0).map { ($0, 0) } }
        for i in slotsToRefill { pending[i] = try pull(readers[i], i) }
        slotsToRefill.removeAll(keepingCapacity: true)
        var best = -1
        var bestTime = Timestamp(nanoseconds: .max)
        for i in pending.indices {
            guard let candidate = pending[i] else { continue }
            if best < 0 || candidate.timestamp < bestTime {
                best = i
                bestTime = candidate.timestamp
            }
        }
        guard best >= 0, let record = pending[best] else { return nil }
        pending[best] = nil
        slotsToRefill.append(best)
        return (record, best)
    }

    private func pull(_ reader: any CaptureReader, _ i: Int) throws(CaptureError) -> CaptureRecord? {
        guard var record = try reader.next() else { return nil }
        if offsets[i] != 0 { record.timestamp = record.timestamp.adding(nanoseconds: offsets[i]) }
        return record
    }
}
