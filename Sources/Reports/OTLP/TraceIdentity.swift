import CaptureIO
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Timeline

/// Trace and span ids for facts, derived from what identifies the fact on the wire (its start,
/// endpoints and, for a statement, its text) rather than drawn at random: an analysis of the same
/// capture, or of the file a live capture wrote, gives the same ids, so traces exported live and
/// from the file afterwards are the same traces. Captures of different hosts differ in endpoints
/// and times, so their ids do not meet in a shared backend.
enum TraceIdentity {
    static func traceID(of request: HTTPFact) -> [UInt8] { digest("trace \(key(request))", bytes: 16) }
    static func spanID(of request: HTTPFact) -> [UInt8] { digest("http \(key(request))", bytes: 8) }
    static func spanID(of statement: SQLFact) -> [UInt8] {
        digest("sql \(statement.time.nanoseconds) \(statement.client) \(statement.server) \(statement.command) \(statement.statement)", bytes: 8)
    }

    private static func key(_ request: HTTPFact) -> String {
        "\(request.time.nanoseconds) \(request.client) \(request.server) \(request.method) \(request.path)"
    }

    /// The first `bytes` of SHA-256; never all zero (an invalid id in OpenTelemetry).
    private static func digest(_ text: String, bytes: Int) -> [UInt8] {
        var id = Array(SHA256.hash(data: Data(("glancetrace " + text).utf8)).prefix(bytes))
        if id.allSatisfy({ $0 == 0 }) { id[0] = 1 }
        return id
    }
}
