import Analysis
import CaptureIO
import Timeline

/// `glancetrace info` output: capinfos-like text, or DESIGN.md's `captures` array.
package enum InfoReport {
    /// The `captures` element of DESIGN.md's JSON contract (shared with `analyze`).
    package static func json(_ summary: CaptureSummary) -> JSONValue {
        let precision = summary.info.precision
        return .object([
            ("path", .string(summary.info.path)),
            ("format", .string(summary.info.format.rawValue)),
            ("link_types", .array(summary.linkTypes.map { .string($0.name) })),
            ("packets", .int(summary.packets)),
            ("bytes", .int(summary.capturedBytes)),
            ("first", .optional(summary.first?.rfc3339(precision: precision))),
            ("last", .optional(summary.last?.rfc3339(precision: precision))),
            ("byte_order", .string(summary.info.byteOrder.rawValue)),
            ("precision", .string(precision.rawValue)),
            ("compressed", .bool(summary.info.compressed)),
            ("original_bytes", .int(summary.originalBytes)),
            ("duration_s", .double(summary.durationSeconds)),
            ("strict_time_order", .bool(summary.isInTimeOrder)),
            ("tcp_connections_by_port", .object(summary.connectionsByPort.sorted { $0.key < $1.key }
                .map { (String($0.key), .int($0.value)) })),
            ("warning", .optional(summary.warning?.description)),
            ("time_offset_s", .double(Double(summary.timeOffsetNanoseconds ?? 0) / 1e9)),
            ("time_offset_source", .optional(summary.timeOffsetSource)),
            ("time_offset_estimate", offsetEstimate(summary)),
            ("dropped_by_capture", droppedByCapture(summary)),
        ])
    }

    /// How an estimated offset was found: `method` ("shared-packets", "sql-inside-requests"),
    /// `range_s` (every offset in it fits the evidence as well), `support` of `candidates`.
    static func offsetEstimate(_ summary: CaptureSummary) -> JSONValue {
        guard let estimate = summary.timeOffsetEstimate, let offset = summary.timeOffsetNanoseconds else { return .null }
        let low = offset &- (estimate.upper &- estimate.skew), high = offset &+ (estimate.skew &- estimate.lower)
        return .object([("method", .string(estimate.method.rawValue)),
                        ("range_s", .array([.double(Double(low) / 1e9), .double(Double(high) / 1e9)])),
                        ("support", .int(estimate.support)), ("candidates", .int(estimate.candidates))])
    }

    /// pcapng ISB drop counters: `{"ifdrop", "osdrop", "total"}`, or null when no block has one.
    static func droppedByCapture(_ summary: CaptureSummary) -> JSONValue {
        guard let drops = summary.droppedByCapture else { return .null }
        func counter(_ value: UInt64?) -> JSONValue { value.map { .int(Int(clamping: $0)) } ?? .null }
        return .object([("ifdrop", counter(drops.interface)), ("osdrop", counter(drops.os)),
                        ("total", .int(Int(clamping: drops.total)))])
    }

    package static func text(_ summary: CaptureSummary) -> String {
        let precision = summary.info.precision
        var lines: [(String, String)] = [
            ("File name", summary.info.path),
            ("File type", "\(summary.info.format.rawValue)\(summary.info.compressed ? " (gzip compressed)" : "")"),
            ("Byte order", summary.info.byteOrder.rawValue),
            ("Time precision", precision.rawValue),
            ("Encapsulation", summary.linkTypes.map(\.name).joined(separator: ", ")),
            ("Snapshot length", summary.info.snapLength > 0 ? String(summary.info.snapLength) : "unknown"),
            ("Packets", String(summary.packets)),
            ("File size", "\(summary.fileSize) bytes"),
            ("Data size", "\(summary.capturedBytes) bytes captured, \(summary.originalBytes) bytes on the wire"),
            ("First packet", summary.first?.rfc3339(precision: precision) ?? "n/a"),
            ("Last packet", summary.last?.rfc3339(precision: precision) ?? "n/a"),
            ("Duration", formatSeconds(summary.durationSeconds)),
            // capinfos -o's wording; "first" and "last" above are the earliest and the latest.
            ("Strict time order", summary.isInTimeOrder ? "True"
                : "False (\(summary.outOfOrderTimestamps) packet\(summary.outOfOrderTimestamps == 1 ? "" : "s") earlier than one before \(summary.outOfOrderTimestamps == 1 ? "it" : "them"))"),
        ]
        let ports = summary.connectionsByPort.sorted { $0.key < $1.key }
        lines.append(("TCP connections", ports.isEmpty ? "none on the watched ports"
            : ports.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))
        if let drops = summary.droppedByCapture {
            lines.append(("Dropped by capture", "\(drops.total) packets"
                + (drops.interface.map { ", ifdrop \($0)" } ?? "") + (drops.os.map { ", osdrop \($0)" } ?? "")))
        }
        if let warning = summary.warning { lines.append(("Warning", warning.description)) }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }
            .joined(separator: "\n") + "\n"
    }

    static func formatSeconds(_ seconds: Double) -> String {
        let micros = Int64((seconds * 1e6).rounded())
        return "\(micros / 1_000_000).\(pad6(micros % 1_000_000)) seconds"
    }

    static func pad6(_ v: Int64) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }
}
