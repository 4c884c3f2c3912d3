import CaptureIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loop of `glancetrace capture`: packets from a live source into an `AnalysisSession`,
/// until a limit, the source's end or the caller says stop.
///
/// What the command does with each packet and between packets (write the `-w` file, print the
/// events gathered, post traces) comes in as closures, so a test drives the same loop with a
/// `ReplayedPacketSource` and no interface, root or binary.
package final class LiveAnalysis {
    /// When the loop stops on its own.
    package struct Limits: Sendable {
        /// Seconds of wall-clock time (`--duration`).
        package var duration: Double?
        /// Packets (`--count`).
        package var count: Int?
        package init(duration: Double? = nil, count: Int? = nil) {
            self.duration = duration
            self.count = count
        }
    }

    /// Seconds between two `tick`s while packets keep coming: often enough that the file stays
    /// readable and events show promptly, rarely enough to cost nothing at 20k packets/s.
    package static let tickInterval = 0.25

    /// The analysis the packets go to; `finish()` it after `run()`.
    package let session: AnalysisSession
    /// Where the packets come from.
    package let source: any LivePacketSource
    /// When the loop stops on its own.
    package var limits: Limits
    /// Called with each packet before the session sees it (`-w`); false stops the loop before
    /// the packet is analysed (`-G` with `-W`: the last file is full, as tcpdump stops).
    package var record: ((CaptureRecord) throws(CaptureError) -> Bool)?
    /// Called every `tickInterval` under load and after every idle wait, with the capture's
    /// clock now (see `tracksCaptureClock`).
    package var tick: ((Timestamp) throws(CaptureError) -> Void)?
    /// Asked before each read: true stops the loop (stdout was closed).
    package var shouldStop: () -> Bool = { false }
    /// Keep the capture's clock running between packets (the last packet's time plus the time
    /// since) for `tick`; otherwise `tick` gets `.zero`. Costs a clock read per packet.
    package var tracksCaptureClock = false
    /// Packets read so far.
    package private(set) var packets = 0

    private let capture: Int
    private var lastPacket: (time: Timestamp, seen: Double)?

    /// `capture`: the session's index for this source (`AnalysisSession.addCapture`).
    package init(session: AnalysisSession, source: any LivePacketSource, capture: Int, limits: Limits = Limits()) {
        self.session = session
        self.source = source
        self.capture = capture
        self.limits = limits
    }

    /// Runs until a limit, `.stopped` or `shouldStop`; a read, write or flush error ends it and
    /// is thrown (what was analysed so far stays in `session`).
    package func run() throws(CaptureError) {
        let start = LiveAnalysis.monotonicSeconds()
        var lastTick = start
        while !shouldStop() {
            var wait: Int32 = 100
            if let duration = limits.duration {
                let remaining = start + duration - LiveAnalysis.monotonicSeconds()
                if remaining <= 0 { return }
                wait = Int32(min(100, max(1, (remaining * 1000).rounded(.up))))
            }
            switch try source.next(timeoutMilliseconds: wait) {
            case .packet(let packet):
                if let record, try !record(packet) { return }
                packets += 1
                session.feed(packet, capture: capture)
                let now = LiveAnalysis.monotonicSeconds()
                if tracksCaptureClock { lastPacket = (packet.timestamp, now) }
                if let count = limits.count, packets >= count { return }
                if now - lastTick >= LiveAnalysis.tickInterval {
                    try tick?(captureNow())
                    lastTick = now
                }
            case .timeout:
                try tick?(captureNow())
                lastTick = LiveAnalysis.monotonicSeconds()
            case .stopped:
                return
            }
        }
    }

    /// Capture time goes on while no packet comes: the last packet's time plus the time since.
    private func captureNow() -> Timestamp {
        guard let lastPacket else { return .zero }
        return lastPacket.time.adding(nanoseconds: Int64((LiveAnalysis.monotonicSeconds() - lastPacket.seen) * 1e9))
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
