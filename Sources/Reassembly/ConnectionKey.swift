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

    /// Hashes 16 bytes for IPv4 (both addresses in one word, both ports in another) instead of
    /// the 38 the synthesized conformance feeds: every packet and every ageing step looks a key up.
    package func hash(into hasher: inout Hasher) {
        let ports = UInt64(lower.port) << 16 | UInt64(upper.port)
        if !lower.address.isIPv6 && !upper.address.isIPv6 {
            hasher.combine(lower.address.low << 32 | (upper.address.low & 0xFFFF_FFFF))
            hasher.combine(ports)
        } else {
            hasher.combine(lower.address.high)
            hasher.combine(lower.address.low)
            hasher.combine(upper.address.high)
            hasher.combine(upper.address.low)
            hasher.combine(ports | UInt64(lower.address.isIPv6 ? 1 : 0) << 32 | UInt64(upper.address.isIPv6 ? 1 : 0) << 33)
        }
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
