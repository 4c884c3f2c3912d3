import Timeline
import CaptureIO
import Reassembly

/// What one TLS connection revealed, for the reports ("TLS 1.3, SNI ..., not decrypted: ...").
package struct TLSConnectionNote: Sendable {
    /// The reassembler's connection index.
    package var connection: Int
    /// Client endpoint, `ip:port`.
    package var client: String
    /// Server endpoint, `ip:port`.
    package var server: String
    /// Version, SNI, ALPN, suite, records and decryption, comma-separated.
    package var summary: String
    package init(connection: Int, client: String, server: String, summary: String) {
        self.connection = connection
        self.client = client
        self.server = server
        self.summary = summary
    }
}

/// Everything `glancetrace analyze` found, ready for the report writers.
package struct AnalysisResult: Sendable {
    /// One summary per input file, in the order given.
    package var captures: [CaptureSummary]
    /// HTTP exchanges in request-start order; `index` equals the position.
    package var http: HTTPFactStore
    /// SQL commands in start order; `index` equals the position.
    package var sql: SQLFactStore
    /// Images, their transitions and uploads, anomalies, the HTTP <-> SQL links.
    package var timeline: ImageTimeline
    /// Connections, retransmissions, gaps and missing bytes over all files.
    package var tcp: TCPTotals
    /// One note per TLS connection, by connection index.
    package var tls: [TLSConnectionNote]
    /// Problems reading the input (damaged tails, unreadable key logs): shown, not fatal.
    package var warnings: [String]

    package init(captures: [CaptureSummary] = [], http: HTTPFactStore = [], sql: SQLFactStore = [],
                timeline: ImageTimeline = ImageTimeline(), tcp: TCPTotals = TCPTotals(),
                tls: [TLSConnectionNote] = [], warnings: [String] = []) {
        self.captures = captures
        self.http = http
        self.sql = sql
        self.timeline = timeline
        self.tcp = tcp
        self.tls = tls
        self.warnings = warnings
    }

    /// The finest precision of the inputs: nanoseconds when any capture has them.
    package var precision: TimestampPrecision {
        captures.contains { $0.info.precision == .nanoseconds } ? .nanoseconds : .microseconds
    }
}
