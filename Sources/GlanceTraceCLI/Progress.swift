#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on stderr, shown only when stderr is a terminal.
final class ProgressLine {
    private let enabled: Bool
    private let label: String
    private var start = ProgressLine.now()
    private var lastDraw = 0.0

    init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    func update(done: Int, total: Int) {
        guard enabled else { return }
        let now = ProgressLine.now()
        guard now - lastDraw > 0.2 else { return }
        lastDraw = now
        let elapsed = max(now - start, 0.001)
        let rate = Double(done) / elapsed
        guard total > 0 else {
            // A pipe or FIFO has no size: bytes read so far and the rate are all there is to show.
            writeStandardError("\r\(label)  \(Int(Double(done) / 1_048_576)) MiB read  \(Int(rate / 1_048_576)) MiB/s  \(Int(elapsed))s ")
            return
        }
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let left = rate > 0 && total > done ? Double(total - done) / rate : 0
        writeStandardError("\r\(label) [\(bar)] \(Int(fraction * 100))%  \(Int(rate / 1_048_576)) MiB/s  \(Int(left))s left ")
    }

    func finish() {
        guard enabled, lastDraw > 0 else { return }
        writeStandardError("\r\u{1B}[K")
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
