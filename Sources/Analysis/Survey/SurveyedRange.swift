import CaptureIO
import PacketDecoding
import Reassembly

/// A TCP segment kept compactly for a later replay into the reassembler: everything the
/// reassembler reads of a segment except the payload's bytes (only its lengths; the bytes
/// decide nothing `info` counts).
struct LoggedSegment {
    var time: Int64
    var sequence, acknowledgement: UInt32
    /// Payload bytes captured, and the payload's length by the IP header.
    var captured: UInt32
    var length: Int32
    /// An IPv4 4-tuple in place (its lower endpoint first), which spares each segment a hash
    /// lookup; an IPv6 one is `SurveyedRange.ipv6Keys[Int(lowerAddress)]`.
    var lowerAddress, upperAddress: UInt32
    var lowerPort, upperPort: UInt16
    var flags, window: UInt16
    /// `TCPReassembler.cacheSlot(of:)` of the 4-tuple, worked out by the logging thread.
    var cacheSlot: UInt16
    /// Bit 0: the upper endpoint sent it; bit 1: the 4-tuple is IPv6.
    var marks: UInt8

    static let fromUpper: UInt8 = 1
    static let ipv6: UInt8 = 2
}

/// The facts of one range of a capture, gathered on a thread of their own while the ranges
/// before it are walked, to be merged in after them: the record counts and times, and the TCP
/// segments in order, for the one reassembler that counts connections over the whole file.
final class SurveyedRange: @unchecked Sendable {
    /// File offsets of the range's first record and of the record after its last one.
    var start = 0
    var stop = 0
    var summary: CaptureSummary
    /// Times of the records no earlier than every record before them in the range, in order
    /// (nondecreasing): the ones the merge must compare with the latest time before the range.
    var latestSoFar: [Int64] = []
    /// `latestSoFar` reached its cap: records after it were not kept.
    var latestSoFarOverflowed = false
    var lastRecordTime: Timestamp?
    var segments: [LoggedSegment] = []
    /// The IPv6 4-tuples the segments name, each once.
    var ipv6Keys: [ConnectionKey] = []
    /// The range cannot be merged exactly (IP fragments, which the decoder joins across records).
    var unmergeable = false
    var found = false

    static let latestSoFarCap = 1 << 16

    init(info: CaptureFileInfo) { summary = CaptureSummary(info: info) }

    /// Empties the range for another chunk, keeping its arrays' capacity.
    func reset(info: CaptureFileInfo) {
        start = 0
        stop = 0
        summary = CaptureSummary(info: info)
        latestSoFar.removeAll(keepingCapacity: true)
        latestSoFarOverflowed = false
        lastRecordTime = nil
        segments.removeAll(keepingCapacity: true)
        ipv6Keys.removeAll(keepingCapacity: true)
        unmergeable = false
        found = false
    }

    /// Resynchronizes at `from` and walks the records that start before `limit`, until the end
    /// of the file, damage, `maxSegments` logged segments, or `ceded()` (asked every 16
    /// records); it stops at a record boundary, `stop`.
    func walk(_ walker: PcapRangeWalker, from: Int, before limit: Int, secondsRange: ClosedRange<UInt32>,
              maxSegments: Int, ceded: () -> Bool) {
        guard walker.resynchronize(from: from, window: 4 << 20, chain: 8, secondsRange: secondsRange) else { return }
        found = true
        start = walker.offset
        defer { stop = walker.offset }
        let decoder = PacketDecoder()
        var ipv6Index: [ConnectionKey: UInt32] = [:]
        segments.reserveCapacity(min(maxSegments, 1 << 15))
        var records = 0
        while segments.count < maxSegments, records & 15 != 0 || !ceded(), let record = walker.next(before: limit) {
            records &+= 1
            if summary.last.map({ record.timestamp >= $0 }) ?? true {
                if latestSoFar.count < SurveyedRange.latestSoFarCap {
                    latestSoFar.append(record.timestamp.nanoseconds)
                } else {
                    latestSoFarOverflowed = true
                }
            }
            summary.add(record)
            lastRecordTime = record.timestamp
            guard case .tcp(let segment) = decoder.decode(record) else { continue }
            let key = ConnectionKey(segment.source, segment.destination)
            guard let length = Int32(exactly: segment.payloadLength) else {
                unmergeable = true
                break
            }
            var marks: UInt8 = segment.source == key.lower ? 0 : LoggedSegment.fromUpper
            var lowerAddress = UInt32(truncatingIfNeeded: key.lower.address.low)
            if key.lower.address.isIPv6 || key.upper.address.isIPv6 {
                marks |= LoggedSegment.ipv6
                if let known = ipv6Index[key] {
                    lowerAddress = known
                } else {
                    lowerAddress = UInt32(ipv6Keys.count)
                    ipv6Index[key] = lowerAddress
                    ipv6Keys.append(key)
                }
            }
            segments.append(LoggedSegment(
                time: record.timestamp.nanoseconds, sequence: segment.sequenceNumber,
                acknowledgement: segment.acknowledgementNumber, captured: UInt32(truncatingIfNeeded: segment.payload.count),
                length: length, lowerAddress: lowerAddress, upperAddress: UInt32(truncatingIfNeeded: key.upper.address.low),
                lowerPort: key.lower.port, upperPort: key.upper.port,
                flags: segment.flags.rawValue, window: segment.window,
                cacheSlot: UInt16(truncatingIfNeeded: TCPReassembler.cacheSlot(of: key)), marks: marks))
        }
        if decoder.statistics.fragments > 0 { unmergeable = true }
    }

    /// Records of this range that the whole file's walk counts as earlier than one before
    /// them but the range's own walk did not: those earlier than `latestBefore`. Nil when the
    /// kept times do not tell.
    func outOfOrderAfter(latestBefore: Timestamp?) -> Int? {
        guard let latestBefore else { return 0 }
        let bound = latestBefore.nanoseconds
        var low = 0, high = latestSoFar.count
        while low < high {
            let middle = (low &+ high) / 2
            if latestSoFar[middle] < bound { low = middle &+ 1 } else { high = middle }
        }
        if low == latestSoFar.count && latestSoFarOverflowed { return nil }
        return low
    }

    /// Feeds the logged segments, in order, to `reassembler`.
    func replay(into reassembler: TCPReassembler) {
        let largest = segments.reduce(0) { max($0, Int($1.captured)) }
        let filler = UnsafeMutableRawBufferPointer.allocate(byteCount: max(largest, 1), alignment: 16)
        filler.initializeMemory(as: UInt8.self, repeating: 0)
        defer { filler.deallocate() }
        let payloadBase = UnsafeRawPointer(filler.baseAddress)
        for logged in segments {
            let key = logged.marks & LoggedSegment.ipv6 != 0 ? ipv6Keys[Int(logged.lowerAddress)]
                : ConnectionKey(Endpoint(address: IPAddress(ipv4: logged.lowerAddress), port: logged.lowerPort),
                                Endpoint(address: IPAddress(ipv4: logged.upperAddress), port: logged.upperPort))
            let fromUpper = logged.marks & LoggedSegment.fromUpper != 0
            let segment = TCPSegment(
                source: fromUpper ? key.upper : key.lower, destination: fromUpper ? key.lower : key.upper,
                sequenceNumber: logged.sequence, acknowledgementNumber: logged.acknowledgement,
                flags: TCPFlags(rawValue: logged.flags), window: logged.window,
                payload: UnsafeRawBufferPointer(start: payloadBase, count: Int(logged.captured)),
                payloadLength: Int(logged.length))
            reassembler.process(segment, key: key, cacheSlot: Int(logged.cacheSlot), at: Timestamp(nanoseconds: logged.time))
        }
    }
}
