/// TCP health over every connection of a capture: DESIGN.md's JSON `tcp` object and more.
///
/// The health counts (`retransmittedSegments`, `gaps`, ...) are the connections'
/// `TCPHealthCounters` added up, read through the same names.
public struct TCPTotals: TCPHealthCounting, Sendable, Hashable {
    /// Connections seen, followed or not (a reused 4-tuple counts again).
    public var connections = 0
    /// Connections a consumer followed.
    public var followedConnections = 0
    public var counters = TCPHealthCounters()
    public init() {}

    mutating func add(_ statistics: ConnectionStatistics) {
        counters.add(statistics.counters)
    }
}
