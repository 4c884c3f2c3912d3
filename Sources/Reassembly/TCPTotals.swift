/// TCP health over every connection of a capture: DESIGN.md's JSON `tcp` object and more.
public struct TCPTotals: Sendable, Hashable {
    /// Connections seen, followed or not (a reused 4-tuple counts again).
    public var connections = 0
    /// Connections a consumer followed.
    public var followedConnections = 0
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

    mutating func add(_ statistics: ConnectionStatistics) {
        retransmittedSegments &+= statistics.retransmittedSegments
        outOfOrderSegments &+= statistics.outOfOrderSegments
        conflictingOverlaps &+= statistics.conflictingOverlaps
        gaps &+= statistics.gaps
        missingBytes &+= statistics.missingBytes
        bytesNotCaptured &+= statistics.bytesNotCaptured
        zeroWindows &+= statistics.zeroWindows
        resets &+= statistics.resets
    }
}
