import Timeline
import CaptureIO
import Reassembly

/// What one TLS connection revealed, for the reports ("TLS 1.3, SNI ..., not decrypted: ...").
public struct TLSConnectionNote: Sendable {
    /// The reassembler's connection index.
    public var connection: Int
    /// Client endpoint, `ip:port`.
    public var client: String
    /// Server endpoint, `ip:port`.
    public var server: String
    /// Version, SNI, ALPN, suite, records and decryption, comma-separated.
    public var summary: String
    public init(connection: Int, client: String, server: String, summary: String) {
        self.connection = connection
        self.client = client
        self.server = server
        self.summary = summary
    }
}

/// Everything `glancetrace analyze` found, ready for the report writers.
public struct AnalysisResult: Sendable {
    /// One summary per input file, in the order given.
    public var captures: [CaptureSummary]
    /// HTTP exchanges in request-start order; `index` equals the position.
    public var http: HTTPFactStore
    /// SQL commands in start order; `index` equals the position.
    public var sql: SQLFactStore
    /// Images, their transitions and uploads, anomalies, the HTTP <-> SQL links.
    public var timeline: ImageTimeline
    /// Connections, retransmissions, gaps and missing bytes over all files.
    public var tcp: TCPTotals
    /// One note per TLS connection, by connection index.
    public var tls: [TLSConnectionNote]
    /// Problems reading the input (damaged tails, unreadable key logs): shown, not fatal.
    public var warnings: [String]

    public init(captures: [CaptureSummary] = [], http: HTTPFactStore = [], sql: SQLFactStore = [],
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
    public var precision: TimestampPrecision {
        captures.contains { $0.info.precision == .nanoseconds } ? .nanoseconds : .microseconds
    }
}
