import Timeline
import CaptureIO

/// capinfos-like facts about one capture file, accumulated record by record.
package struct CaptureSummary: Sendable {
    /// The file's header: path, format, precision, first link type.
    package var info: CaptureFileInfo
    /// Every link type met (pcapng files may have several interfaces).
    package var linkTypes: [LinkType] = []
    /// Records read.
    package var packets = 0
    /// Captured bytes (sum of captured lengths).
    package var capturedBytes = 0
    /// Bytes on the wire (sum of original lengths).
    package var originalBytes = 0
    /// The earliest and the latest packet time, as capinfos reports them (a file out of time
    /// order does not start with its earliest packet).
    package var first: Timestamp?
    /// The latest packet time.
    package var last: Timestamp?
    /// Set when the file ended early with damage; every packet before it was read.
    package var warning: CaptureWarning?
    /// TCP connections per server port, for the watched ports (and any other followed port).
    package var connectionsByPort: [UInt16: Int] = [:]
    /// Packets earlier than the latest one before them (merged captures are still ordered by the merger).
    package var outOfOrderTimestamps = 0
    /// Every packet is at or after the one before it (capinfos -o "Strict time order").
    package var isInTimeOrder: Bool { outOfOrderTimestamps == 0 }
    /// File size on disk.
    package var fileSize = 0
    /// The capture's own counters (pcapng Interface Statistics Blocks), the last per interface.
    package var interfaceStatistics: [InterfaceStatistics] = []
    /// The clock correction added to this file's timestamps, in nanoseconds (nil: none).
    package var timeOffsetNanoseconds: Int64?
    /// Where the correction came from: "given" (`--time-offset`) or "estimated".
    package var timeOffsetSource: String?
    /// For an estimated correction: the evidence, and the range of skews as consistent with it.
    package var timeOffsetEstimate: ClockSkewEstimator.Estimate?

    package init(info: CaptureFileInfo) { self.info = info }

    /// Counts one record.
    package mutating func add(_ record: CaptureRecord) {
        packets += 1
        capturedBytes &+= record.bytes.count
        originalBytes &+= record.originalLength
        if first.map({ record.timestamp < $0 }) ?? true { first = record.timestamp }
        if let last, record.timestamp < last { outOfOrderTimestamps += 1 }
        if last.map({ record.timestamp > $0 }) ?? true { last = record.timestamp }
        if linkTypes.last != record.linkType, !linkTypes.contains(record.linkType) { linkTypes.append(record.linkType) }
    }

    /// Adds the facts of the records that follow the ones counted so far, gathered apart;
    /// `outOfOrderAtJoin` counts those of its records that were at or after every earlier one of
    /// their own part but are earlier than the latest one before it.
    package mutating func append(_ later: CaptureSummary, outOfOrderAtJoin: Int) {
        packets &+= later.packets
        capturedBytes &+= later.capturedBytes
        originalBytes &+= later.originalBytes
        outOfOrderTimestamps &+= later.outOfOrderTimestamps &+ outOfOrderAtJoin
        if let time = later.first, first.map({ time < $0 }) ?? true { first = time }
        if let time = later.last, last.map({ time > $0 }) ?? true { last = time }
        for type in later.linkTypes where !linkTypes.contains(type) { linkTypes.append(type) }
    }

    /// Packets the capture itself dropped, summed over the interfaces whose statistics say:
    /// (`isb_ifdrop`, `isb_osdrop`, their sum); nil when no statistics block carries a drop counter.
    package var droppedByCapture: (interface: UInt64?, os: UInt64?, total: UInt64)? {
        let counted = interfaceStatistics.filter { $0.drops != nil }
        guard !counted.isEmpty else { return nil }
        func sum(_ values: [UInt64?]) -> UInt64? {
            values.contains { $0 != nil } ? values.reduce(0) { $0 &+ ($1 ?? 0) } : nil
        }
        return (sum(counted.map(\.interfaceDrops)), sum(counted.map(\.osDrops)), counted.reduce(0) { $0 &+ ($1.drops ?? 0) })
    }

    /// Seconds between the first and the last packet.
    package var durationSeconds: Double {
        guard let first, let last else { return 0 }
        return Double(last.nanoseconds(since: first)) / 1e9
    }
}
