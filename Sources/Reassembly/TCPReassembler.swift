import CaptureIO
import PacketDecoding

/// Turns TCP segments into per-connection, per-direction ordered byte streams.
public final class TCPReassembler {
    public struct Configuration: Sendable {
        /// Server ports always followed (DESIGN.md's defaults plus `--port`).
        public var watchedPorts: Set<UInt16> = [5000, 13000, 9292, 13292, 3306]
        /// Out-of-order bytes buffered per connection before the hole is declared a gap.
        public var maxBufferedBytesPerConnection = 4 << 20
        /// Out-of-order bytes buffered over all connections.
        public var maxBufferedBytesTotal = 48 << 20
        /// Connections silent this long (capture time) are flushed and closed.
        public var idleTimeoutNanoseconds: Int64 = 600_000_000_000
        public init() {}
    }

    /// Asked once per new connection; returns the consumer that follows it, or nil to only count it.
    /// `firstPayload` is the first data seen (for content sniffing on unwatched ports); nil at SYN time.
    public typealias ConsumerFactory = (_ connection: ConnectionInfo, _ firstPayload: UnsafeRawBufferPointer?, _ direction: FlowDirection) -> StreamConsumer?

    public let configuration: Configuration
    private let makeConsumer: ConsumerFactory

    public init(configuration: Configuration = Configuration(), makeConsumer: @escaping ConsumerFactory) {
        self.configuration = configuration
        self.makeConsumer = makeConsumer
    }

    /// Feeds one segment captured at `time`.
    public func process(_ segment: TCPSegment, at time: Timestamp) {}

    /// Flushes and closes every open connection (end of input).
    public func finish(at time: Timestamp) {}
}
