import CaptureIO

/// Decides how many captured bytes of each packet `--slim` keeps.
final class HTTPSlimming {
    func keptLength(record: CaptureRecord, peek: TransportPeek) -> Int { record.bytes.count }
}
