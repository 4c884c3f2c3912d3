import CaptureIO
import PacketDecoding

/// Which way bytes flow on a connection.
public enum FlowDirection: Int, Sendable, Hashable {
    case clientToServer = 0
    case serverToClient = 1
    public var reversed: FlowDirection { self == .clientToServer ? .serverToClient : .clientToServer }
}

/// Why a connection's streams ended.
public enum CloseReason: String, Sendable {
    /// Both sides sent FIN (or one FIN and the connection went quiet).
    case fin
    case reset
    /// No packet for longer than the idle timeout, in capture time.
    case idleTimeout = "idle-timeout"
    /// The capture ended with the connection still open.
    case endOfCapture = "end-of-capture"
    /// The 4-tuple was reused by a new SYN.
    case reused
    /// Closed early to keep per-connection state within the memory budget (idle longest first).
    case evicted
    /// A half-open connection (handshake never completed) silent past its timeout.
    case halfOpenTimeout = "half-open-timeout"

    /// Closed early to bound memory in a flood: a consumer may count what it held instead of
    /// reporting it (the analysis counts it in one line).
    public var isShedding: Bool { self == .evicted || self == .halfOpenTimeout }
}

/// Identity of one TCP connection in the capture.
public struct ConnectionInfo: Sendable, Hashable {
    /// Stable index in order of first appearance, like tshark's `tcp.stream`.
    public var index: Int
    public var client: Endpoint
    public var server: Endpoint
    public var firstSeen: Timestamp
    /// True when the capture holds the SYN (the connection began inside the capture).
    public var sawHandshake: Bool
    public init(index: Int, client: Endpoint, server: Endpoint, firstSeen: Timestamp, sawHandshake: Bool) {
        self.index = index
        self.client = client
        self.server = server
        self.firstSeen = firstSeen
        self.sawHandshake = sawHandshake
    }
}

/// Receives the ordered byte streams of one connection from the reassembler.
///
/// Calls come in stream order per direction and in capture-time order overall.
/// `bytes` borrows a buffer that is valid only during the call.
public protocol StreamConsumer: AnyObject {
    /// In-order bytes; `time` is the capture time of the packet that carried the first byte.
    func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp)
    /// The same call with the chunk's place in the connection (`StreamPosition`): what the
    /// reassembler calls. Consumers that pair messages by TCP evidence implement it; the
    /// default forwards to `receive(_:direction:at:)`.
    func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition)
    /// `count` bytes of this direction will never arrive (loss, buffer cap).
    func gap(_ count: Int, direction: FlowDirection, at time: Timestamp)
    /// `count` bytes of this direction were on the wire but cut by the capture's snap length
    /// (`tcpdump -s`, `split --slim`): not a loss, but the bytes are not there either. Consumers
    /// that do not tell the two apart get a `gap`.
    func notCaptured(_ count: Int, direction: FlowDirection, at time: Timestamp)
    /// One direction ended with a FIN at this time (the other may go on).
    func finished(direction: FlowDirection, at time: Timestamp)
    /// The connection is over; no call follows.
    func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp)
}

extension StreamConsumer {
    public func finished(direction: FlowDirection, at time: Timestamp) {}
    public func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition) {
        receive(bytes, direction: direction, at: time)
    }
    public func notCaptured(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        gap(count, direction: direction, at: time)
    }
}

/// Per-connection TCP health counters, reported so users can see a network problem.
///
/// The health counts (`retransmittedSegments`, `gaps`, ...) live in `counters`, the type
/// `TCPTotals` adds up, and are read and counted through the same names.
public struct ConnectionStatistics: TCPHealthCounting, Sendable, Hashable {
    public var packets = 0
    /// Payload bytes on the wire, by direction. Two stored counts, not an array: the array's
    /// own allocation was one more cache line, and a uniqueness check, on every data segment.
    public var clientPayloadBytes = 0
    public var serverPayloadBytes = 0
    public var counters = TCPHealthCounters()
    public init() {}
}
