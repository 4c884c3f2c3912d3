import Timeline
import CaptureIO
import HTTPDecoding
import Reassembly

/// A connection on a port glancetrace does not watch whose client spoke first in no protocol it
/// recognises (a request preceded by stray bytes, a capture that began inside a request): the
/// server's first bytes decide instead, as Zeek's protocol detection looks at both sides.
///
/// Until then the client's bytes are held, at most `limit` of them (a request head); past that,
/// or when the server's first bytes are not a protocol either, the connection is dropped and
/// everything held is released.
final class DeferredSniff: StreamConsumer {
    private enum Held {
        case data([UInt8], FlowDirection, Timestamp, StreamPosition?)
        case gap(Int, FlowDirection, Timestamp)
        case finished(FlowDirection, Timestamp)
    }

    static let limit = 4096

    /// Given the server's first payload, the decoder of the connection, or nil.
    private let decide: (UnsafeRawBufferPointer) -> StreamConsumer?
    private var held: [Held] = []
    private var heldBytes = 0
    private var decoder: StreamConsumer?
    private var gaveUp = false

    init(decide: @escaping (UnsafeRawBufferPointer) -> StreamConsumer?) {
        self.decide = decide
    }

    func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        receive(bytes, direction: direction, at: time, position: nil)
    }

    func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition) {
        receive(bytes, direction: direction, at: time, position: Optional(position))
    }

    private func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition?) {
        if let decoder {
            forward(bytes, direction, time, position, to: decoder)
            return
        }
        guard !gaveUp else { return }
        guard direction == .serverToClient else {
            heldBytes &+= bytes.count
            guard heldBytes <= DeferredSniff.limit else { return giveUp() }
            held.append(.data(Array(bytes), direction, time, position))
            return
        }
        guard let chosen = decide(bytes) else { return giveUp() }
        decoder = chosen
        for event in held {
            switch event {
            case .data(let data, let direction, let time, let position):
                data.withUnsafeBytes { forward($0, direction, time, position, to: chosen) }
            case .gap(let count, let direction, let time): chosen.gap(count, direction: direction, at: time)
            case .finished(let direction, let time): chosen.finished(direction: direction, at: time)
            }
        }
        held = []
        forward(bytes, direction, time, position, to: chosen)
    }

    private func forward(_ bytes: UnsafeRawBufferPointer, _ direction: FlowDirection, _ time: Timestamp, _ position: StreamPosition?,
                         to decoder: StreamConsumer) {
        if let position {
            decoder.receive(bytes, direction: direction, at: time, position: position)
        } else {
            decoder.receive(bytes, direction: direction, at: time)
        }
    }

    private func giveUp() {
        gaveUp = true
        held = []
        heldBytes = 0
    }

    func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        if let decoder { return decoder.gap(count, direction: direction, at: time) }
        if !gaveUp { held.append(.gap(count, direction, time)) }
    }

    func finished(direction: FlowDirection, at time: Timestamp) {
        if let decoder { return decoder.finished(direction: direction, at: time) }
        if !gaveUp { held.append(.finished(direction, time)) }
    }

    func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
        decoder?.close(reason: reason, statistics: statistics, at: time)
        giveUp()
    }
}

extension ProtocolRouter {
    /// The consumer of a connection whose first payload said nothing: on a port not watched, a
    /// client that spoke first gets a second chance from the server's first bytes (HTTP only:
    /// a MySQL server speaks first, and TLS starts with the client's hello).
    func deferredSniff(_ connection: ConnectionInfo, direction: FlowDirection) -> StreamConsumer? {
        guard followsUnknown(connection, direction: direction) else { return nil }
        return DeferredSniff { [weak self] serverBytes in
            guard let self, HTTPConnectionDecoder.looksLikeHTTP(serverBytes, direction: .serverToClient) else { return nil }
            return self.httpDecoder(connection, tls: false)
        }
    }
}

extension ProtocolRouter {
    /// Whether a connection whose first payload said nothing is held for the server's first bytes.
    func followsUnknown(_ connection: ConnectionInfo, direction: FlowDirection) -> Bool {
        direction == .clientToServer && !watchedPorts.contains(connection.server.port)
    }
}
