import CaptureIO
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials  // URL, Date: not all of Foundation, which every run would load
#else
import Foundation
#endif
import Reports

/// Sends traces to an OTLP/HTTP receiver (`POST .../v1/traces`) from a thread of its own, so the
/// capture loop never waits on the network.
///
/// Traces wait in a buffer bounded in spans (`Configuration.bufferSpans`) until the receiver has
/// taken them. While it is down or busy (connection refused, 429, 502, 503, 504, as the OTLP
/// specification lists) the same batch is tried again with a growing delay (or the receiver's
/// `Retry-After`); nothing buffered is lost. A trace that does not fit is dropped whole and
/// counted, as OpenTelemetry's batch processor does with a full queue. Other answers (400: the
/// receiver cannot take this batch, ever) drop the batch and count it too. `finish` keeps trying
/// until its deadline and reports what was exported, dropped, refused and left undelivered.
package final class OTLPExporter: @unchecked Sendable {
    package enum Encoding: String, Sendable, CaseIterable {
        case protobuf = "http/protobuf"
        case json = "http/json"
    }

    package struct Configuration: Sendable {
        package var endpoint: URL
        package var encoding: Encoding = .protobuf
        package var headers: [(name: String, value: String)] = []
        /// Most spans held waiting for the receiver.
        package var bufferSpans = 65_536
        /// Most spans in one request (whole traces; a larger trace goes alone).
        package var batchSpans = 2_048
        package var requestTimeout: Double = 10
        package var firstRetryDelay: Double = 0.25
        package var longestRetryDelay: Double = 5
        /// A PEM file of the CAs that an https:// receiver's certificate must chain to, instead of
        /// the system's: OpenTelemetry's `OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE` (or
        /// `OTEL_EXPORTER_OTLP_CERTIFICATE`) by default.
        package var certificateFile: String?

        package init(endpoint: URL) {
            self.endpoint = endpoint
            let environment = ProcessInfo.processInfo.environment
            certificateFile = [environment["OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"], environment["OTEL_EXPORTER_OTLP_CERTIFICATE"]]
                .lazy.compactMap { $0 }.first { !$0.isEmpty }
        }
    }

    /// Why exporting with `configuration` cannot work, for the user before the capture starts: a
    /// header with a line break, or libcurl missing where it is needed (https, a proxy). Nil when it can.
    package static func problem(with configuration: Configuration) -> String? {
        for header in configuration.headers where (header.name + header.value).utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) {
            return "--otlp-header \(header.name): a header may not hold a line break or NUL"
        }
        return OTLPHTTPTransport(configuration: configuration).problem.map { "--otlp-endpoint \(configuration.endpoint): \($0)" }
    }

    package struct Statistics: Sendable {
        package var exportedTraces = 0
        package var exportedSpans = 0
        /// Whole traces that did not fit in the buffer.
        package var droppedTraces = 0
        package var droppedSpans = 0
        /// Spans the receiver took but refused (`partial_success`), or whose batch it refused.
        package var refusedSpans = 0
        /// Spans still buffered when `finish`'s deadline passed.
        package var undeliveredSpans = 0
        package var failedAttempts = 0
        package var lastError: String?
    }

    package let configuration: Configuration
    private let condition = ConditionLock()
    /// Signalled by `enqueue` and `finish`: wakes a retry's wait early (a count, so a wake-up may
    /// come for an event already seen: the wait then goes on to its end).
    private let wake = DispatchSemaphore(value: 0)
    private var queue: [LiveTrace] = []
    private var head = 0
    private var bufferedSpans = 0
    private var stopping = false
    private var deadline = Date.distantFuture
    private var statistics = Statistics()
    private let done = DispatchSemaphore(value: 0)
    private let transport: OTLPHTTPTransport

    package init(configuration: Configuration) {
        self.configuration = configuration
        transport = OTLPHTTPTransport(configuration: configuration)
        // Without a thread nothing is sent: `finish` then reports every span undelivered.
        _ = JoinableThread { [self] in run() }
    }

    /// Queues a trace; false (and counted) when the buffer cannot hold it.
    @discardableResult
    package func enqueue(_ trace: LiveTrace) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, bufferedSpans + trace.spanCount <= configuration.bufferSpans else {
            statistics.droppedTraces += 1
            statistics.droppedSpans += trace.spanCount
            return false
        }
        queue.append(trace)
        bufferedSpans += trace.spanCount
        condition.broadcast()
        wake.signal()
        return true
    }

    /// Sends what is buffered, trying until `timeout` seconds have passed, and stops.
    package func finish(timeout: Double) -> Statistics {
        condition.lock()
        stopping = true
        deadline = Date().addingTimeInterval(timeout)
        condition.broadcast()
        condition.unlock()
        wake.signal()
        // A request in flight when the deadline passes may take its own timeout to return.
        _ = done.wait(timeout: .now() + timeout + configuration.requestTimeout + 1)
        condition.lock()
        defer { condition.unlock() }
        var result = statistics
        result.undeliveredSpans = bufferedSpans
        return result
    }

    /// The statistics so far.
    package var current: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    private func run() {
        var delay = configuration.firstRetryDelay
        condition.lock()
        while true {
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count || (stopping && Date() >= deadline) { break }
            var end = head + 1, spans = queue[head].spanCount
            while end < queue.count, spans + queue[end].spanCount <= configuration.batchSpans {
                spans += queue[end].spanCount
                end += 1
            }
            let batch = Array(queue[head..<end])
            condition.unlock()
            let outcome = transport.post(batch)
            condition.lock()
            switch outcome {
            case .delivered(let answered):
                // The receiver's count is untrusted: never more than were sent, never negative.
                let refused = min(max(answered, 0), spans)
                statistics.exportedTraces += batch.count
                statistics.exportedSpans += spans - refused
                statistics.refusedSpans += refused
                release(upTo: end, spans: spans)
                delay = configuration.firstRetryDelay
            case .refused(let reason):
                statistics.refusedSpans += spans
                statistics.failedAttempts += 1
                statistics.lastError = reason
                release(upTo: end, spans: spans)
            case .retry(let reason, let after):
                statistics.failedAttempts += 1
                statistics.lastError = reason
                let wait = min(max(after ?? delay, delay), 30)
                delay = min(delay * 2, configuration.longestRetryDelay)
                let until = min(Date().addingTimeInterval(wait), deadline)
                // Woken early by `finish`: from then on it tries until the deadline.
                while Date() < until && !(stopping && until > deadline) {
                    condition.unlock()
                    let woken = wake.wait(timeout: .now() + max(0, until.timeIntervalSinceNow)) == .success
                    condition.lock()
                    if !woken || stopping { break }
                }
            }
        }
        condition.unlock()
        done.signal()
    }

    private func release(upTo end: Int, spans: Int) {
        head = end
        bufferedSpans -= spans
        // The delivered prefix goes once it is large: no shifting per batch.
        if head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
