import CaptureIO
import PacketDecoding

/// A consumer that records everything it is told: for debugging and tests, like
/// `tshark -z follow,tcp,raw`. It keeps every byte, so use it on small captures only.
public final class FollowedStream: StreamConsumer {
    /// One call the reassembler made.
    public enum Event: Equatable, Sendable {
        case data(FlowDirection, [UInt8], Timestamp)
        case gap(FlowDirection, Int, Timestamp)
        case finished(FlowDirection, Timestamp)
        case closed(CloseReason, Timestamp)
    }

    public let connection: ConnectionInfo
    /// Every call, in order.
    public private(set) var events: [Event] = []
    /// The bytes of each direction (indexed by `FlowDirection.rawValue`), gaps left out.
    public private(set) var bytes: [[UInt8]] = [[], []]
    /// Missing bytes reported per direction.
    public private(set) var missing = [0, 0]
    public private(set) var closeReason: CloseReason?
    public private(set) var statistics: ConnectionStatistics?
    /// When false, only `bytes`, `missing` and the close are kept (no per-call events).
    public let recordsEvents: Bool

    public init(connection: ConnectionInfo, recordsEvents: Bool = true) {
        self.connection = connection
        self.recordsEvents = recordsEvents
    }

    public func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        self.bytes[direction.rawValue].append(contentsOf: bytes)
        if recordsEvents { events.append(.data(direction, Array(bytes), time)) }
    }

    public func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        missing[direction.rawValue] &+= count
        if recordsEvents { events.append(.gap(direction, count, time)) }
    }

    public func finished(direction: FlowDirection, at time: Timestamp) {
        if recordsEvents { events.append(.finished(direction, time)) }
    }

    public func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
        closeReason = reason
        self.statistics = statistics
        if recordsEvents { events.append(.closed(reason, time)) }
    }

    /// The recorded streams in the layout of `tshark -q -z follow,tcp,raw,N`: Node 0 is the
    /// client, its chunks plain hex lines, the server's indented by a tab; gaps are noted.
    public func dump() -> String {
        var out = "===================================================================\n"
        out += "Follow: tcp,raw\nFilter: tcp.stream eq \(connection.index)\n"
        out += "Node 0: \(connection.client)\nNode 1: \(connection.server)\n"
        for event in events {
            switch event {
            case .data(let direction, let chunk, _):
                if direction == .serverToClient { out += "\t" }
                out += hex(chunk) + "\n"
            case .gap(let direction, let count, _):
                out += (direction == .serverToClient ? "\t" : "") + "[gap of \(count) bytes]\n"
            case .finished, .closed:
                continue
            }
        }
        out += "===================================================================\n"
        return out
    }

    private func hex(_ chunk: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(chunk.count &* 2)
        for byte in chunk {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
