import CaptureIO
import PacketDecoding

/// A connection's 4-tuple with its two endpoints in a fixed order, so both directions of a
/// connection find the same table entry.
///
/// Public and inlinable, like the per-packet types it is built from: every segment builds one
/// and compares or hashes it, in this module and in `info`'s range walk (a `package` type's
/// members are never inlined in another module; see Package.swift).
public struct ConnectionKey: Hashable {
    public var lower: Endpoint
    public var upper: Endpoint

    /// Always inlined: returned through memory, the key was read back before its stores had
    /// landed (a third of the reassembler's time per segment went to that stall).
    @inlinable @inline(__always)
    public init(_ a: Endpoint, _ b: Endpoint) {
        if b < a { (lower, upper) = (b, a) } else { (lower, upper) = (a, b) }
    }

    /// Ports first: they tell two connections of one host pair apart.
    @inlinable
    public static func == (a: ConnectionKey, b: ConnectionKey) -> Bool {
        a.lower.port == b.lower.port && a.upper.port == b.upper.port
            && a.lower.address.low == b.lower.address.low && a.upper.address.low == b.upper.address.low
            && a.lower.address.high == b.lower.address.high && a.upper.address.high == b.upper.address.high
            && a.lower.address.isIPv6 == b.lower.address.isIPv6 && a.upper.address.isIPv6 == b.upper.address.isIPv6
    }

    /// Hashes 16 bytes for IPv4 (both addresses in one word, both ports in another) instead of
    /// the 38 the synthesized conformance feeds: every packet and every ageing step looks a key up.
    @inlinable
    public func hash(into hasher: inout Hasher) {
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
