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
    /// Index of the 4-tuple in `SurveyedRange.keys` times 2, plus 1 when the upper endpoint sent it.
    var connection: UInt32
    var flags, window: UInt16
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
    var keys: [ConnectionKey] = []
    /// The range cannot be merged exactly (IP fragments, which the decoder joins across records).
    var unmergeable = false
    var found = false
    /// How long the walk took (for `RangeBalance`).
    var elapsedNanoseconds: Int64 = 0

    static let latestSoFarCap = 1 << 16

    init(info: CaptureFileInfo) { summary = CaptureSummary(info: info) }

    /// Resynchronizes at `from` and walks on until the end of the file, damage, or
    /// `maxSegments` logged segments or `maxBytes` walked (then stops at a record boundary).
    func walk(_ walker: PcapRangeWalker, from: Int, secondsRange: ClosedRange<UInt32>, maxSegments: Int, maxBytes: Int) {
        let began = ContinuousClock.now
        defer { elapsedNanoseconds = RangeBalance.nanoseconds(since: began) }
        guard walker.resynchronize(from: from, window: 4 << 20, chain: 8, secondsRange: secondsRange) else { return }
        found = true
        start = walker.offset
        let decoder = PacketDecoder()
        var index: [ConnectionKey: UInt32] = [:]
        var recentKey: ConnectionKey?
        var recentIndex: UInt32 = 0
        segments.reserveCapacity(maxSegments)
        let limit = start &+ maxBytes < start ? Int.max : start &+ maxBytes
        while segments.count < maxSegments, let record = walker.next(before: limit) {
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
            let keyIndex: UInt32
            if let recent = recentKey, recent == key {
                keyIndex = recentIndex
            } else if let known = index[key] {
                keyIndex = known
            } else {
                keyIndex = UInt32(keys.count)
                keys.append(key)
                index[key] = keyIndex
            }
            recentKey = key
            recentIndex = keyIndex
            guard let length = Int32(exactly: segment.payloadLength) else {
                unmergeable = true
                break
            }
            segments.append(LoggedSegment(
                time: record.timestamp.nanoseconds, sequence: segment.sequenceNumber,
                acknowledgement: segment.acknowledgementNumber, captured: UInt32(truncatingIfNeeded: segment.payload.count),
                length: length, connection: keyIndex << 1 | (segment.source == key.lower ? 0 : 1),
                flags: segment.flags.rawValue, window: segment.window))
        }
        if decoder.statistics.fragments > 0 { unmergeable = true }
        stop = walker.offset
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

    /// Releases what only the merge of the counts needed.
    func dropRecordTimes() { latestSoFar = [] }

    /// Feeds the logged segments, in order, to `reassembler`.
    func replay(into reassembler: TCPReassembler) {
        let largest = segments.reduce(0) { max($0, Int($1.captured)) }
        let filler = UnsafeMutableRawBufferPointer.allocate(byteCount: max(largest, 1), alignment: 16)
        filler.initializeMemory(as: UInt8.self, repeating: 0)
        defer { filler.deallocate() }
        let payloadBase = UnsafeRawPointer(filler.baseAddress)
        for logged in segments {
            let key = keys[Int(logged.connection >> 1)]
            let fromUpper = logged.connection & 1 == 1
            let segment = TCPSegment(
                source: fromUpper ? key.upper : key.lower, destination: fromUpper ? key.lower : key.upper,
                sequenceNumber: logged.sequence, acknowledgementNumber: logged.acknowledgement,
                flags: TCPFlags(rawValue: logged.flags), window: logged.window,
                payload: UnsafeRawBufferPointer(start: payloadBase, count: Int(logged.captured)),
                payloadLength: Int(logged.length))
            reassembler.process(segment, at: Timestamp(nanoseconds: logged.time))
        }
    }
}
