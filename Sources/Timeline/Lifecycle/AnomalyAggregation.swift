import CaptureIO

/// Keeps a report readable and bounded whatever the capture holds: when one kind of anomaly
/// repeats more than `limit` times (a flood's unanswered requests, a storm of 500s), its
/// occurrences become one entry with their count, first and last time and a few examples, as
/// Zeek's weird log and Suricata's rate-limited events summarise repeats.
package enum AnomalyAggregation {
    /// Kinds seen at most this often are listed one by one, as before.
    package static let limit = 10
    /// Messages kept as examples of an aggregated kind.
    package static let exampleCount = 3

    /// `anomalies` (sorted by time) with every kind over `limit` replaced by one entry at the
    /// place of its first occurrence.
    package static func aggregate(_ anomalies: [Anomaly]) -> [Anomaly] {
        var counts: [AnomalyKind: Int] = [:]
        for anomaly in anomalies { counts[anomaly.kind, default: 0] &+= anomaly.count }
        guard counts.values.contains(where: { $0 > limit }) else { return anomalies }
        var result: [Anomaly] = []
        var aggregateOfKind: [AnomalyKind: Int] = [:]
        for anomaly in anomalies {
            guard let total = counts[anomaly.kind], total > limit else {
                result.append(anomaly)
                continue
            }
            let first = anomaly.first ?? anomaly.time
            let last = anomaly.last ?? anomaly.time
            guard let position = aggregateOfKind[anomaly.kind] else {
                aggregateOfKind[anomaly.kind] = result.count
                var entry = Anomaly(time: first, kind: anomaly.kind,
                                    message: "\(total) times from \(clock(first)) to \(clock(last))")
                entry.count = anomaly.count
                entry.first = first
                entry.last = last
                entry.examples = anomaly.examples.isEmpty ? [anomaly.message] : anomaly.examples
                result.append(entry)
                continue
            }
            var entry = result[position]
            entry.count &+= anomaly.count
            if first < entry.first ?? first { entry.first = first }
            if last > entry.last ?? last { entry.last = last }
            for message in (anomaly.examples.isEmpty ? [anomaly.message] : anomaly.examples)
            where entry.examples.count < exampleCount && !entry.examples.contains(message) {
                entry.examples.append(message)
            }
            result[position] = entry
        }
        for position in aggregateOfKind.values {
            let entry = result[position]
            if let first = entry.first, let last = entry.last {
                result[position].message = "\(entry.count) times from \(clock(first)) to \(clock(last))"
            }
        }
        return result
    }

    /// Time of day with microseconds, UTC, as the text report prints times.
    static func clock(_ time: Timestamp) -> String {
        let full = time.rfc3339()
        guard let t = full.firstIndex(of: "T") else { return full }
        return String(full[full.index(after: t)...].dropLast())
    }
}
