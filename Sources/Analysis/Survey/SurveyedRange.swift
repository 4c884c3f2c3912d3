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
    /// The segment's connection's run in the range (`SurveyedRange.runs`), plus one; 0: none.
    var run: UInt32
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
    /// Each connection's segments in the range summed up (`EstablishedRun`), by first
    /// appearance: the walking thread takes those its reassembler admits at once instead of
    /// replaying them segment by segment.
    let runs = RangeRuns()
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
        runs.removeAll()
        unmergeable = false
        found = false
    }

    /// Resynchronizes at `from` and walks the records that start before `limit`, until the end
    /// of the file, damage, `maxSegments` logged segments, or `ceded()` (asked every 16
    /// records); it stops at a record boundary, `stop`.
    func walk(_ walker: PcapRangeWalker, from: Int, before limit: Int, secondsRange: ClosedRange<UInt32>,
              maxSegments: Int, ceded: () -> Bool) {
        guard walker.resynchronize(from: from, window: 4 << 20, chain: 8, secondsRange: secondsRange) else { return }
        walkRecords(walker, before: limit, maxSegments: maxSegments, maxRecords: .max, ceded: ceded)
    }

    /// Walks the records from where `walker` is (a record boundary) that start before `limit`,
    /// until the end of the file, damage, `maxSegments` logged segments, `maxRecords` records,
    /// or `ceded()` (asked every 16 records).
    func walkRecords(_ walker: PcapRangeWalker, before limit: Int, maxSegments: Int, maxRecords: Int, ceded: () -> Bool) {
        found = true
        start = walker.offset
        defer { stop = walker.offset }
        let decoder = PacketDecoder()
        var ipv6Index: [ConnectionKey: UInt32] = [:]
        segments.reserveCapacity(min(maxSegments, 1 << 15))
        var records = 0
        while segments.count < maxSegments, records < maxRecords, records & 15 != 0 || !ceded(),
              let record = walker.next(before: limit) {
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
            let upperAddress = UInt32(truncatingIfNeeded: key.upper.address.low)
            let cacheSlot = TCPReassembler.cacheSlot(of: key)
            let run = runs.run(lowerAddress: lowerAddress, upperAddress: upperAddress, lowerPort: key.lower.port,
                               upperPort: key.upper.port, marks: marks, hash: cacheSlot, firstSegment: segments.count)
            if run > 0 {
                runs.pointer(to: run).pointee.add(
                    fromUpper: marks & LoggedSegment.fromUpper != 0, sequence: segment.sequenceNumber,
                    acknowledgement: segment.acknowledgementNumber, flags: segment.flags.rawValue, window: segment.window,
                    captured: segment.payload.count, length: segment.payloadLength)
            }
            segments.append(LoggedSegment(
                time: record.timestamp.nanoseconds, sequence: segment.sequenceNumber,
                acknowledgement: segment.acknowledgementNumber, captured: UInt32(truncatingIfNeeded: segment.payload.count),
                length: length, lowerAddress: lowerAddress, upperAddress: upperAddress, run: run,
                lowerPort: key.lower.port, upperPort: key.upper.port,
                flags: segment.flags.rawValue, window: segment.window,
                cacheSlot: UInt16(truncatingIfNeeded: cacheSlot), marks: marks))
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

    /// The 4-tuple of a logged segment.
    @inline(__always)
    func key(of logged: LoggedSegment) -> ConnectionKey {
        logged.marks & LoggedSegment.ipv6 != 0 ? ipv6Keys[Int(logged.lowerAddress)]
            : ConnectionKey(Endpoint(address: IPAddress(ipv4: logged.lowerAddress), port: logged.lowerPort),
                            Endpoint(address: IPAddress(ipv4: logged.upperAddress), port: logged.upperPort))
    }

    /// The runs `reassembler` takes at once, absorbed: the connection at the index of each
    /// (none when the stretch as a whole does not admit runs, `TCPReassembler.admitsRuns`).
    func absorbRuns(into reassembler: TCPReassembler) -> [TCPReassembler.AbsorbedConnection?] {
        var absorbed = [TCPReassembler.AbsorbedConnection?](repeating: nil, count: runs.count)
        guard let latest = summary.last else { return absorbed }
        var admitted: [(index: Int, key: ConnectionKey)] = []
        var absorbedSegments = 0
        for index in 0..<runs.count {
            let run = runs.pointer(to: UInt32(index &+ 1)).pointee
            guard run.isSummable else { continue }
            let key = key(of: segments[runs.firstSegment(of: index)])
            guard reassembler.admits(run, key: key, latest: latest) else { continue }
            admitted.append((index, key))
            absorbedSegments &+= run.packets
        }
        guard absorbedSegments > 0, reassembler.admitsRuns(otherSegments: segments.count &- absorbedSegments) else { return absorbed }
        for (index, key) in admitted {
            absorbed[index] = reassembler.absorb(runs.pointer(to: UInt32(index &+ 1)).pointee, key: key)
        }
        return absorbed
    }

    /// Feeds the logged segments, in order, to `reassembler`: the runs it admits at once, and
    /// their segments as ticks of its clock in their places; every other segment in full.
    func replay(into reassembler: TCPReassembler) {
        let absorbed = absorbRuns(into: reassembler)
        let largest = segments.reduce(0) { max($0, Int($1.captured)) }
        let filler = UnsafeMutableRawBufferPointer.allocate(byteCount: max(largest, 1), alignment: 16)
        filler.initializeMemory(as: UInt8.self, repeating: 0)
        defer { filler.deallocate() }
        let payloadBase = UnsafeRawPointer(filler.baseAddress)
        for logged in segments {
            if logged.run != 0, let connection = absorbed[Int(logged.run &- 1)] {
                reassembler.tick(at: Timestamp(nanoseconds: logged.time), seenOn: connection)
                continue
            }
            let key = key(of: logged)
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

/// The runs of one range's connections (`EstablishedRun`), found by 4-tuple with open
/// addressing: one probe a segment on the thread that logs them.
final class RangeRuns {
    /// Connections summed up per range at most: a flood's connections beyond it are replayed
    /// segment by segment, as every connection was before runs.
    static let capacity = 512
    private static let slotCount = 1024

    private struct Key: Equatable {
        var addresses: UInt64
        var portsAndMarks: UInt64
    }

    private let runs = UnsafeMutablePointer<EstablishedRun>.allocate(capacity: RangeRuns.capacity)
    private let keys = UnsafeMutablePointer<Key>.allocate(capacity: RangeRuns.capacity)
    private let firstSegments = UnsafeMutablePointer<Int>.allocate(capacity: RangeRuns.capacity)
    /// Run index plus one by the key's hash; 0: empty.
    private let slots = UnsafeMutablePointer<UInt32>.allocate(capacity: RangeRuns.slotCount)
    private(set) var count = 0

    init() {
        slots.initialize(repeating: 0, count: RangeRuns.slotCount)
    }

    deinit {
        runs.deinitialize(count: count)
        runs.deallocate()
        keys.deallocate()
        firstSegments.deallocate()
        slots.deallocate()
    }

    func removeAll() {
        guard count > 0 else { return }
        runs.deinitialize(count: count)
        slots.update(repeating: 0, count: RangeRuns.slotCount)
        count = 0
    }

    /// The run (index plus one) of a logged segment's 4-tuple, begun at `firstSegment` if new;
    /// 0 when the range already has `capacity` runs. `hash` is the 4-tuple's
    /// `TCPReassembler.cacheSlot`, worked out for the log anyway.
    @inline(__always)
    func run(lowerAddress: UInt32, upperAddress: UInt32, lowerPort: UInt16, upperPort: UInt16, marks: UInt8,
             hash: Int, firstSegment: Int) -> UInt32 {
        let key = Key(addresses: UInt64(lowerAddress) << 32 | UInt64(upperAddress),
                      portsAndMarks: UInt64(lowerPort) << 16 | UInt64(upperPort) | UInt64(marks & LoggedSegment.ipv6) << 32)
        let mask = RangeRuns.slotCount &- 1
        var slot = hash & mask
        while true {
            let found = slots[slot]
            if found == 0 { break }
            if keys[Int(found &- 1)] == key { return found }
            slot = (slot &+ 1) & mask
        }
        guard count < RangeRuns.capacity else { return 0 }
        (runs + count).initialize(to: EstablishedRun())
        keys[count] = key
        firstSegments[count] = firstSegment
        count &+= 1
        slots[slot] = UInt32(count)
        return UInt32(count)
    }

    /// The run `run` (index plus one) names.
    @inline(__always)
    func pointer(to run: UInt32) -> UnsafeMutablePointer<EstablishedRun> { runs + Int(run &- 1) }

    /// Where run `index`'s first segment is in the range's segments.
    func firstSegment(of index: Int) -> Int { firstSegments[index] }
}
