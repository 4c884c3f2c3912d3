import CaptureIO

/// Where the live loop's packets come from: an interface (`LiveCapture`), or a recorded
/// capture replayed as if it were arriving (`ReplayedPacketSource`), which needs no root and
/// runs the same loop in tests.
package protocol LivePacketSource: AnyObject {
    /// The next packet, or `.timeout` after `timeoutMilliseconds` without one, or `.stopped`.
    /// The record borrows the source's buffer until the next call.
    func next(timeoutMilliseconds: Int32) throws(CaptureError) -> LiveCapture.ReadResult
}

extension LiveCapture: LivePacketSource {}

/// A capture file's records handed to the live loop one by one, then `.stopped`.
package final class ReplayedPacketSource: LivePacketSource {
    /// The file being replayed (its info, warning and link types for `AnalysisSession`).
    package let reader: any CaptureReader

    package init(reader: any CaptureReader) {
        self.reader = reader
    }

    /// The file's next record; `.stopped` at its end (a replay never times out).
    package func next(timeoutMilliseconds: Int32) throws(CaptureError) -> LiveCapture.ReadResult {
        guard let record = try reader.next() else { return .stopped }
        return .packet(record)
    }
}
