import CaptureIO

/// Connections by the capture time they were last seen, kept cheaply: a min-heap of entries
/// pushed when a connection opens and not moved when it sees a packet (that would cost every
/// packet). An entry's stamp is never later than its connection's last packet, so an entry
/// found at the top whose connection was seen since is pushed again with its new time, one whose
/// connection closed is dropped, and the first current entry at the top is exactly the
/// connection idle longest.
///
/// Entries name a connection by key and number, not by reference, so a closed connection's
/// memory is released at once, not when its entry reaches the top.
struct AgingQueue {
    struct Entry {
        var key: ConnectionKey
        var index: Int
        /// Capture time (ns) the connection was last seen when the entry was pushed.
        var stamp: Int64
        /// The open connection's place in the reassembler's `slots` (entries of open connections;
        /// -1 for a closed connection's): its liveness is read there, without a table lookup.
        var slot = -1
    }

    private var heap: [Entry] = []

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var front: Entry? { heap.first }

    @inline(__always)
    private static func earlier(_ a: Entry, _ b: Entry) -> Bool {
        a.stamp < b.stamp || (a.stamp == b.stamp && a.index < b.index)
    }

    // Sifting moves a hole rather than swapping: an entry (a key, 64 bytes) is copied once per
    // level instead of three times.
    mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count &- 1
        while child > 0 {
            let parent = (child &- 1) / 2
            guard AgingQueue.earlier(entry, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    mutating func popFront() -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            siftDown(last, from: 0)
        }
        return top
    }

    /// Places `entry` at `start` or below, moving earlier children up.
    private mutating func siftDown(_ entry: Entry, from start: Int) {
        let count = heap.count
        var parent = start
        while true {
            let left = 2 &* parent &+ 1
            guard left < count else { break }
            var child = left
            if left &+ 1 < count && AgingQueue.earlier(heap[left &+ 1], heap[left]) { child = left &+ 1 }
            guard AgingQueue.earlier(heap[child], entry) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = entry
    }

    /// Keeps only the entries `keep` accepts (dead entries below live ones pile up).
    mutating func compact(_ keep: (Entry) -> Bool) {
        heap = heap.filter(keep)
        var i = heap.count / 2
        while i > 0 {
            i &-= 1
            siftDown(heap[i], from: i)
        }
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
    public init() {}

    /// True when the budget or the half-open timeout closed anything (normal captures: false).
    public var isEmpty: Bool { evicted == 0 && halfOpenTimedOut == 0 && forgottenClosed == 0 }
}

/// What the budget counts per connection, from a measurement rather than a sum of sizes: before
/// the budget, `analyze` held about 6.5 KB of resident memory per open connection of a flood of
/// half-open HTTP heads and MySQL greetings (100,000 connections, 650 MB; Benchmarks/README.md,
/// "Floods"). Out-of-order bytes are counted exactly; a decoder holding more (a JSON body up to
/// its cap) is under-counted, which the out-of-order and body caps bound.
enum ConnectionCost {
    /// A connection nobody follows (yet): its object, two half-streams, table and queue entries.
    static let open = 1024
    /// More for a followed connection: its decoder's state and pending exchange.
    static let followed = 5 * 1024
    /// A closed connection's remembered 4-tuple.
    static let closed = 192
}
