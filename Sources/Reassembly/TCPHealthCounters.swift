/// Counts of what went wrong or was unusual in TCP: one connection's (`ConnectionStatistics`)
/// or a whole capture's (`TCPTotals`), so that the totals are the connections' counters added up.
public struct TCPHealthCounters: Sendable, Hashable {
    public var retransmittedSegments = 0
    /// Segments that arrived ahead of a hole and had to be held.
    public var outOfOrderSegments = 0
    /// Overlapping copies of the same bytes that disagreed (the first copy was kept).
    public var conflictingOverlaps = 0
    public var gaps = 0
    public var missingBytes = 0
    /// Bytes cut by the snap length (`tcpdump -s`, `split --slim`): on the wire, unlike `missingBytes`.
    public var bytesNotCaptured = 0
    public var zeroWindows = 0
    public var resets = 0
    public init() {}

    /// Adds another connection's counts (wrapping, as the per-packet increments do).
    public mutating func add(_ other: TCPHealthCounters) {
        retransmittedSegments &+= other.retransmittedSegments
        outOfOrderSegments &+= other.outOfOrderSegments
        conflictingOverlaps &+= other.conflictingOverlaps
        gaps &+= other.gaps
        missingBytes &+= other.missingBytes
        bytesNotCaptured &+= other.bytesNotCaptured
        zeroWindows &+= other.zeroWindows
        resets &+= other.resets
    }
}

/// A type that carries `TCPHealthCounters` and reads and counts them by name
/// (`statistics.gaps &+= 1`), as if they were its own properties.
@dynamicMemberLookup
public protocol TCPHealthCounting {
    var counters: TCPHealthCounters { get set }
}

extension TCPHealthCounting {
    @inlinable
    public subscript(dynamicMember counter: WritableKeyPath<TCPHealthCounters, Int>) -> Int {
        get { counters[keyPath: counter] }
        set { counters[keyPath: counter] = newValue }
    }
}
