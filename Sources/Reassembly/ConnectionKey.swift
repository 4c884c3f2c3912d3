import CaptureIO
import PacketDecoding

/// A connection's 4-tuple with its two endpoints in a fixed order, so both directions of a
/// connection find the same table entry.
package struct ConnectionKey: Hashable {
    package var lower: Endpoint
    package var upper: Endpoint

    package init(_ a: Endpoint, _ b: Endpoint) {
        if b < a { (lower, upper) = (b, a) } else { (lower, upper) = (a, b) }
    }
}

/// Bytes held out of order over all connections, shared so a global cap can be enforced.
final class BufferBudget {
    var used = 0
}

/// A connection that has closed but whose 4-tuple is remembered, so the stragglers after a
/// close (the last ACK, a retransmitted FIN) do not open a new connection, as in tshark.
struct ClosedConnection {
    var index: Int
    var client: Endpoint
    /// tshark's per-direction base sequence numbers, to tell a new SYN from a retransmitted one.
    var baseSequence: (UInt32?, UInt32?)
    var closedAt: Timestamp
    var lastSeen: Timestamp
    var closedByIdleTimeout: Bool
}
