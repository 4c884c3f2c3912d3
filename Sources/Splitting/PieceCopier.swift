import CaptureIO
import Dispatch

/// Copies the byte ranges of verbatim pieces and commits them on a thread of its own.
///
/// A verbatim split is two jobs: walking the record headers to find where pieces end, and the
/// kernel copying each piece's bytes (`splice` through one `SplicePipe`, `sendfile` without it).
/// Done one after the other they add up to about twice a `cp`; here the copy of one piece runs
/// while the headers of the next are read, so on two cores a split costs little more than the copy
/// alone.
///
/// Pieces are committed in order. After the first failure (a full disk) the pieces still queued
/// are abandoned, so every piece before the failed one stays valid and none after it is left.
/// At most `maxInFlight` pieces wait, each with its file open.
final class PieceCopier: Sendable {
    private let queue = DispatchQueue(label: "split.copy")
    private let slots = DispatchSemaphore(value: PieceCopier.maxInFlight)
    private let failure = LockedValue<CaptureError?>(nil)
    /// The kernel copies every piece through this one pipe; only the queue's thread uses it.
    private nonisolated(unsafe) let pipe = SplicePipe()

    static let maxInFlight = 4

    /// Queues `piece` to receive `count` bytes of `source` at `offset` (its `records` records),
    /// then to be committed. Throws the failure of an earlier piece, if any.
    func copy(_ piece: PcapFileWriter, records: Int, from source: Int32, offset: Int, count: Int) throws(CaptureError) {
        if let failed = failure.withLock({ $0 }) {
            piece.abandon()
            throw failed
        }
        slots.wait()
        // The writer is handed over whole: from here only the queue touches it.
        nonisolated(unsafe) let handed = piece
        queue.async { [self] in
            defer { slots.signal() }
            guard failure.withLock({ $0 }) == nil else { handed.abandon(); return }
            do throws(CaptureError) {
                try handed.appendVerbatim(records: records, from: source, offset: offset, count: count, through: pipe)
                try handed.finish()
            } catch {
                handed.abandon()
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
    }

    /// Waits for every queued piece; throws the first failure.
    func finish() throws(CaptureError) {
        queue.sync {}
        if let failed = failure.withLock({ $0 }) { throw failed }
    }
}
