import CaptureIO
import Reassembly

/// Follows TCP connections so that `--by-connection` ends a piece only where it cuts none.
///
/// A connection is open from its first packet (a SYN, or any packet of a connection that began
/// before the capture) until it is reset, or both FINs are sent and acknowledged. A piece that
/// has its N packets ends before the next packet at which no connection is open (`.clean`).
/// Keep-alive pools (MySQL, HTTP) may never all be closed at once, so the cap takes over:
/// from `cap` packets on, the piece ends at the first point where every open connection is idle
/// between exchanges, i.e. all the data each side sent is acknowledged (`.betweenExchanges`; the
/// pooled connections continue in the next piece, but no request or response is cut); and at
/// twice the cap it ends regardless (`.forced`). Memory is bounded by the open connections;
/// one idle for `idleTimeout` of capture time is forgotten (treated as closed).
package final class ConnectionCut {
    /// Why a piece ended.
    package enum Kind: String, Sendable {
        /// No TCP connection was open.
        case clean
        /// Connections were open but none had unacknowledged data.
        case betweenExchanges = "between-exchanges"
        /// The hard cap (twice the cap) was reached with data in flight.
        case forced
    }

    package let packetsPerPiece: Int
    package let cap: Int
    package let idleTimeout: Int64

    private var connections: [ConnectionKey: Connection] = [:]
    /// Recently closed connections, so a stray final ACK or retransmitted FIN does not reopen one.
    private var closed: [ConnectionKey: Timestamp] = [:]
    private(set) var inFlight = 0
    private var lastSweep = Timestamp.zero

    /// Connections open now.
    package var openConnections: Int { connections.count }

    package init(packetsPerPiece: Int, cap: Int = 0, idleTimeoutSeconds: Int64 = 300) {
        self.packetsPerPiece = max(1, packetsPerPiece)
        self.cap = cap > 0 ? max(cap, self.packetsPerPiece) : self.packetsPerPiece &* 4
        idleTimeout = idleTimeoutSeconds &* 1_000_000_000
    }

    /// Whether a piece holding `count` packets should end before the next packet, and why.
    package func cut(afterPackets count: Int) -> Kind? {
        guard count >= packetsPerPiece else { return nil }
        if connections.isEmpty { return .clean }
        if count >= cap && inFlight == 0 { return .betweenExchanges }
        if count >= cap &* 2 { return .forced }
        return nil
    }

    /// Updates the connection table with one TCP packet.
    func observe(_ peek: TransportPeek, at time: Timestamp) {
        guard peek.transport == .tcp else { return }
        sweep(now: time)
        let key = ConnectionKey(peek.source, peek.destination)
        let fromLow = key.lower == peek.source
        guard var connection = connections[key] ?? newConnection(key: key, peek: peek) else { return }
        let wasInFlight = connection.inFlight
        connection.lastSeen = time
        if peek.isRST {
            connections[key] = nil
            closed[key] = time
            if wasInFlight { inFlight -= 1 }
            return
        }
        let advance = UInt32(truncatingIfNeeded: peek.payloadLength) &+ (peek.isSYN ? 1 : 0) &+ (peek.isFIN ? 1 : 0)
        connection.sent(fromLow: fromLow, sequence: peek.sequenceNumber, count: advance, fin: peek.isFIN)
        if peek.isACK { connection.acknowledged(toLow: !fromLow, peek.acknowledgementNumber) }
        if connection.low.finished && connection.high.finished {
            connections[key] = nil
            closed[key] = time
            if wasInFlight { inFlight -= 1 }
            return
        }
        let nowInFlight = connection.inFlight
        if nowInFlight != wasInFlight { inFlight += nowInFlight ? 1 : -1 }
        connections[key] = connection
    }

    private func newConnection(key: ConnectionKey, peek: TransportPeek) -> Connection? {
        // A stray packet of a connection that just closed does not reopen it; a SYN does.
        if closed[key] != nil {
            guard peek.isSYN, !peek.isACK else { return nil }
            closed[key] = nil
        }
        return Connection()
    }

    /// Forgets idle connections and old closed ones, at most once per second of capture time.
    private func sweep(now: Timestamp) {
        guard now.nanoseconds(since: lastSweep) > 1_000_000_000 else { return }
        lastSweep = now
        let timeout = idleTimeout
        for (key, connection) in connections where now.nanoseconds(since: connection.lastSeen) > timeout {
            if connection.inFlight { inFlight -= 1 }
            connections[key] = nil
        }
        closed = closed.filter { now.nanoseconds(since: $0.value) <= 60_000_000_000 }
    }
}

/// Sequence-space state of one TCP connection, enough to tell "data in flight" and "closed".
struct Connection {
    var low = Direction()
    var high = Direction()
    var lastSeen = Timestamp.zero

    var inFlight: Bool { low.unacknowledged || high.unacknowledged }

    mutating func sent(fromLow: Bool, sequence: UInt32, count: UInt32, fin: Bool) {
        if fromLow { low.sent(from: sequence, count: count, fin: fin) } else { high.sent(from: sequence, count: count, fin: fin) }
    }

    /// The peer of the sending side acknowledged up to `ack`.
    mutating func acknowledged(toLow: Bool, _ ack: UInt32) {
        if toLow { low.acknowledged(ack) } else { high.acknowledged(ack) }
    }
}

/// One direction: how far it has sent, how far the peer acknowledged, and its FIN.
struct Direction {
    var hasSent = false
    var sentEnd: UInt32 = 0
    var hasAck = false
    var acked: UInt32 = 0
    var finEnd: UInt32?

    /// Data (or SYN/FIN) sent and not yet acknowledged.
    var unacknowledged: Bool {
        guard hasSent else { return false }
        guard hasAck else { return true }
        return Direction.after(sentEnd, acked)
    }

    /// Closed in this direction: FIN sent and acknowledged.
    var finished: Bool {
        guard let finEnd, hasAck else { return false }
        return !Direction.after(finEnd, acked)
    }

    mutating func sent(from sequence: UInt32, count: UInt32, fin: Bool) {
        guard count > 0 else { return }
        let end = sequence &+ count
        if !hasSent || Direction.after(end, sentEnd) { sentEnd = end }
        hasSent = true
        if fin { finEnd = end }
    }

    mutating func acknowledged(_ ack: UInt32) {
        if !hasAck || Direction.after(ack, acked) { acked = ack }
        hasAck = true
    }

    /// `a` is later than `b` in 32-bit sequence space.
    static func after(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) > 0 }
}
