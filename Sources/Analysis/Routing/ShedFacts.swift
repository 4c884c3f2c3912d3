import CaptureIO
import Reassembly
import Timeline

/// What the decoders of connections closed early (memory budget, half-open timeout) emitted
/// while closing: counted for the report's line about it, not listed.
struct ShedFacts {
    var httpExchanges = 0
    var sqlCommands = 0
    var connections = 0
    /// When the first and last of those connections began, and a few of them, for the anomaly.
    var first: Timestamp?
    var last: Timestamp?
    var examples: [String] = []

    mutating func note(_ connection: ConnectionInfo, reason: CloseReason) {
        connections &+= 1
        if first.map({ connection.firstSeen < $0 }) ?? true { first = connection.firstSeen }
        if last.map({ connection.firstSeen > $0 }) ?? true { last = connection.firstSeen }
        if examples.count < AnomalyAggregation.exampleCount {
            examples.append("\(connection.client) -> \(connection.server) (\(reason.rawValue))")
        }
    }

    /// The flood as one aggregated anomaly (issue 19), so `anomalies[]` shows it too.
    func anomaly(_ line: String) -> Anomaly? {
        guard connections > 0, let first, let last else { return nil }
        var anomaly = Anomaly(time: first, kind: .connectionFlood, message: line)
        anomaly.count = connections
        anomaly.first = first
        anomaly.last = last
        anomaly.examples = examples
        return anomaly
    }
}
