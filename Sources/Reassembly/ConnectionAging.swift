import CaptureIO

/// Connections in the order they were last seen, in capture time, kept cheaply: an entry is
/// pushed when a connection opens and is not moved when the connection sees a packet (that would
/// cost every packet); an entry found at the front whose connection was seen since is pushed
/// again with its new time ("second chance"), and one whose connection closed is dropped. The
/// front is then the connection idle longest, give or take the entries not yet refreshed.
///
/// Entries name a connection by key and number, not by reference, so a closed connection's
/// memory is released at once, not when its entry reaches the front.
struct AgingQueue {
    struct Entry {
        var key: ConnectionKey
        var index: Int
        /// Capture time (ns) the connection was last seen when the entry was pushed.
        var stamp: Int64
    }

    private var entries: [Entry] = []
    private var head = 0

    var isEmpty: Bool { head == entries.count }
    var count: Int { entries.count - head }
    var front: Entry? { head < entries.count ? entries[head] : nil }

    mutating func push(_ entry: Entry) { entries.append(entry) }

    mutating func popFront() -> Entry? {
        guard head < entries.count else { return nil }
        let entry = entries[head]
        head &+= 1
        if head >= 4096 && head &* 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return entry
    }

    /// Keeps only the entries `keep` accepts, in order (dead entries behind a live one pile up).
    mutating func compact(_ keep: (Entry) -> Bool) {
        var kept: [Entry] = []
        kept.reserveCapacity(count)
        for i in head..<entries.count where keep(entries[i]) { kept.append(entries[i]) }
        entries = kept
        head = 0
    }
}

/// How many connections the memory budget and the capture-time timeouts closed early, for the
/// report's one line about it.
public struct ConnectionShedding: Sendable, Hashable {
    /// Closed because per-connection state reached the memory budget, idle longest first.
    public var evicted = 0
    /// Evicted while seen within `activeWindowNanoseconds` (no idle connection was left).
    public var evictedActive = 0
    /// Half-open connections (SYN seen, handshake never completed) closed after
    /// `halfOpenTimeoutNanoseconds` of capture time without a packet.
    public var halfOpenTimedOut = 0
    /// Half-open connections still open at the end of a capture where the budget or the
    /// half-open timeout acted (the flood's last ones).
    public var halfOpenAtEnd = 0
    /// Connections closed after `idleTimeoutNanoseconds` of silence (also on normal captures).
    public var idleTimedOut = 0
    /// Remembered 4-tuples of closed connections forgotten early to stay within the budget.
    public var forgottenClosed = 0
    /// The highest estimate of per-connection memory reached, in bytes.
    public var peakEstimatedBytes = 0
    public init() {}

    /// True when the budget or the half-open timeout closed anything (normal captures: false).
    public var isEmpty: Bool { evicted == 0 && halfOpenTimedOut == 0 && forgottenClosed == 0 }
}

/// What the budget counts per connection. The figures are measured, not computed: resident
/// memory of `analyze` over a flood of half-open HTTP and MySQL connections, divided by the
/// connections held (Benchmarks/README.md, "Floods"). Out-of-order bytes are counted exactly.
enum ConnectionCost {
    /// A connection nobody follows (yet): its object, two half-streams, table and queue entries.
    static let open = 1024
    /// More for a followed connection: its decoder's state and pending exchange.
    static let followed = 5 * 1024
    /// A closed connection's remembered 4-tuple.
    static let closed = 192
}
