import CaptureIO

/// Identifies the datagram a fragment belongs to (RFC 791 §3.2, RFC 8200 §4.5).
struct FragmentKey: Hashable {
    var source: IPAddress
    var destination: IPAddress
    var identification: UInt32
    var transport: UInt8
}

/// What adding a fragment produced.
enum FragmentResult {
    case pending
    case dropped
    /// The whole datagram's payload, valid until the next call to `add`.
    case complete(UnsafeRawBufferPointer)
}

/// Rebuilds IP datagrams from fragments, in bounded memory.
///
/// Overlaps are resolved "first copy wins" (bytes already held are never overwritten), so a
/// crafted overlap cannot rewrite a header already checked; the overlap is counted. Datagrams
/// time out by capture time, and when the byte cap is reached the oldest datagrams go first.
final class FragmentReassembler {
    private struct Datagram {
        var firstSeen: Timestamp
        var data: [UInt8] = []
        /// Received byte ranges, sorted and disjoint.
        var ranges: [Range<Int>] = []
        /// Known once the last fragment (no "more fragments" flag) arrived.
        var totalLength: Int?
    }

    /// The largest payload an IP datagram can have without jumbograms.
    static let maxDatagramLength = 65_535

    let maxBytes: Int
    let timeoutNanoseconds: Int64
    private var datagrams: [FragmentKey: Datagram] = [:]
    private var heldBytes = 0
    /// Holds the last completed datagram so the returned view stays valid until the next
    /// packet; allocated once, on the first completed datagram.
    private var completed: UnsafeMutableRawBufferPointer?

    init(maxBytes: Int, timeoutNanoseconds: Int64) {
        self.maxBytes = max(maxBytes, 0)
        self.timeoutNanoseconds = timeoutNanoseconds
    }

    deinit { completed?.deallocate() }

    /// Number of datagrams waiting for fragments.
    var pendingDatagrams: Int { datagrams.count }

    func add(_ key: FragmentKey, offset: Int, isLast: Bool, bytes: UnsafeRawBufferPointer, at time: Timestamp,
             statistics: inout PacketStatistics) -> FragmentResult {
        expire(before: time, statistics: &statistics)
        let end = offset &+ bytes.count
        guard offset >= 0, end <= FragmentReassembler.maxDatagramLength else { return .dropped }

        var datagram = datagrams.removeValue(forKey: key) ?? Datagram(firstSeen: time)
        if isLast {
            // A second, different end is a lie in one of the fragments: keep the first.
            if let known = datagram.totalLength, known != end {
                statistics.overlappingFragments &+= 1
            } else if datagram.ranges.last.map({ $0.upperBound > end }) ?? false {
                statistics.overlappingFragments &+= 1
            } else {
                datagram.totalLength = end
            }
        }
        if let total = datagram.totalLength, end > total {
            datagrams[key] = datagram
            return .dropped
        }

        let growth = max(0, end &- datagram.data.count)
        while heldBytes &+ growth > maxBytes, let oldest = oldestKey() {
            evict(oldest, statistics: &statistics)
        }
        guard heldBytes &+ growth <= maxBytes else {
            heldBytes &-= datagram.data.count
            statistics.expiredDatagrams &+= 1
            return .dropped
        }
        if growth > 0 {
            datagram.data.append(contentsOf: repeatElement(0, count: growth))
            heldBytes &+= growth
        }
        if store(bytes, at: offset, in: &datagram) { statistics.overlappingFragments &+= 1 }

        if let total = datagram.totalLength, datagram.ranges.count == 1, datagram.ranges[0] == 0..<total {
            heldBytes &-= datagram.data.count
            let buffer = completed ?? UnsafeMutableRawBufferPointer.allocate(
                byteCount: FragmentReassembler.maxDatagramLength, alignment: 8)
            completed = buffer
            let count = min(total, buffer.count, datagram.data.count)
            datagram.data.withUnsafeBytes { source in
                if let target = buffer.baseAddress, let base = source.baseAddress, count > 0 {
                    target.copyMemory(from: base, byteCount: count)
                }
            }
            return .complete(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        datagrams[key] = datagram
        return .pending
    }

    /// Copies the parts of `bytes` not yet held; returns true when some part overlapped.
    private func store(_ bytes: UnsafeRawBufferPointer, at offset: Int, in datagram: inout Datagram) -> Bool {
        let incoming = offset..<(offset &+ bytes.count)
        guard !incoming.isEmpty else { return false }
        var overlapped = false
        var cursor = incoming.lowerBound
        var merged: [Range<Int>] = []
        merged.reserveCapacity(datagram.ranges.count &+ 1)
        for held in datagram.ranges {
            if held.upperBound < incoming.lowerBound || held.lowerBound > incoming.upperBound {
                merged.append(held)
                continue
            }
            if held.overlaps(incoming) { overlapped = true }
            if cursor < held.lowerBound {
                copy(bytes, from: cursor &- offset, to: held.lowerBound &- offset, into: &datagram.data, at: cursor)
            }
            cursor = max(cursor, held.upperBound)
            merged.append(held)
        }
        if cursor < incoming.upperBound {
            copy(bytes, from: cursor &- offset, to: incoming.upperBound &- offset, into: &datagram.data, at: cursor)
        }
        // Merge the incoming range with every held range it touches.
        var result: [Range<Int>] = []
        result.reserveCapacity(merged.count &+ 1)
        var pending = incoming
        var inserted = false
        for held in merged {
            if held.upperBound < pending.lowerBound {
                result.append(held)
            } else if held.lowerBound > pending.upperBound {
                if !inserted { result.append(pending); inserted = true }
                result.append(held)
            } else {
                pending = min(held.lowerBound, pending.lowerBound)..<max(held.upperBound, pending.upperBound)
            }
        }
        if !inserted { result.append(pending) }
        datagram.ranges = result
        return overlapped
    }

    private func copy(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, into data: inout [UInt8], at position: Int) {
        guard start >= 0, end <= bytes.count, start < end, position >= 0, position &+ (end &- start) <= data.count else { return }
        data.withUnsafeMutableBytes { target in
            guard let base = target.baseAddress, let source = bytes.baseAddress else { return }
            (base + position).copyMemory(from: source + start, byteCount: end &- start)
        }
    }

    private func expire(before time: Timestamp, statistics: inout PacketStatistics) {
        guard !datagrams.isEmpty else { return }
        let deadline = time.adding(nanoseconds: -timeoutNanoseconds)
        for (key, datagram) in datagrams where datagram.firstSeen < deadline {
            evict(key, statistics: &statistics)
        }
    }

    private func oldestKey() -> FragmentKey? {
        datagrams.min { $0.value.firstSeen < $1.value.firstSeen }?.key
    }

    private func evict(_ key: FragmentKey, statistics: inout PacketStatistics) {
        guard let datagram = datagrams.removeValue(forKey: key) else { return }
        heldBytes &-= datagram.data.count
        statistics.expiredDatagrams &+= 1
    }
}
