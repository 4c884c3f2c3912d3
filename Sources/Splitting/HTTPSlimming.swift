import CaptureIO
import Reassembly

/// Decides how many captured bytes of each packet `--slim` keeps.
///
/// Every packet keeps its link, IP and TCP headers and its original length. TCP payload is
/// kept except bulk bytes: the bodies of the requests `bulkRequest` names (or any octet-stream
/// body) and octet-stream response bodies (downloads), found by following HTTP/1.x
/// framing per direction (`HTTPDirectionFraming`). A packet can only lose a suffix, so a segment
/// whose bulk bytes are followed by the next message's head keeps them. MySQL, TLS and
/// everything not understood is kept whole. Sequence numbers place each segment: a
/// retransmission inside a known bulk body is cut, a gap inside a Content-Length bulk body is
/// skipped over, any other gap makes the direction keep everything until a segment starts with
/// an HTTP start line again.
final class HTTPSlimming {
    private var connections: [ConnectionKey: SlimConnection] = [:]
    /// Which requests' bodies are bulk (`SplitConfiguration.bulkRequest`).
    let bulkRequest: @Sendable (_ method: String, _ path: String) -> Bool

    init(bulkRequest: @escaping @Sendable (_ method: String, _ path: String) -> Bool) {
        self.bulkRequest = bulkRequest
    }
    private var lastSweep = Timestamp.zero
    /// Connections idle this long (capture time) are forgotten, bounding memory.
    let idleTimeout: Int64 = 300_000_000_000

    func keptLength(record: CaptureRecord, peek: TransportPeek) -> Int {
        let captured = record.bytes.count
        guard peek.transport == .tcp, peek.payloadOffset <= captured else { return captured }
        // Bytes past the IP length are link-layer padding: they go with the last payload byte.
        let payloadCaptured = min(captured - peek.payloadOffset, peek.payloadLength)
        let payload = UnsafeRawBufferPointer(rebasing: record.bytes[peek.payloadOffset..<peek.payloadOffset + payloadCaptured])
        sweep(now: record.timestamp)
        let key = ConnectionKey(peek.source, peek.destination)
        let fromLow = key.lower == peek.source
        if peek.isSYN && !peek.isACK { connections[key] = nil } // a new connection on a reused 4-tuple
        let kept = connections[key, default: SlimConnection(bulkRequest: bulkRequest)].segment(fromLow: fromLow, peek: peek, payload: payload,
                                                                         time: record.timestamp)
        if peek.isRST { connections[key] = nil }
        if kept >= payloadCaptured { return captured }
        return peek.payloadOffset + kept
    }

    private func sweep(now: Timestamp) {
        guard now.nanoseconds(since: lastSweep) > 10_000_000_000 else { return }
        lastSweep = now
        let timeout = idleTimeout
        connections = connections.filter { now.nanoseconds(since: $0.value.lastSeen) <= timeout }
    }
}

/// Both directions of one connection and the requests awaiting responses.
struct SlimConnection {
    var low: SlimDirection
    var high: SlimDirection
    var requests = RequestQueue()
    var lastSeen = Timestamp.zero

    init(bulkRequest: @escaping @Sendable (_ method: String, _ path: String) -> Bool) {
        low = SlimDirection(framing: HTTPDirectionFraming(bulkRequest: bulkRequest))
        high = SlimDirection(framing: HTTPDirectionFraming(bulkRequest: bulkRequest))
    }

    mutating func segment(fromLow: Bool, peek: TransportPeek, payload: UnsafeRawBufferPointer, time: Timestamp) -> Int {
        lastSeen = time
        if fromLow { return low.segment(peek: peek, payload: payload, requests: &requests) }
        return high.segment(peek: peek, payload: payload, requests: &requests)
    }
}

/// One direction: framing state, the next expected sequence number, and the last bulk range.
struct SlimDirection {
    var framing: HTTPDirectionFraming
    var synced = false
    var nextSequence: UInt32 = 0
    /// The sequence range [bulkStart, bulkEnd) of the current or last bulk body seen.
    var bulkStart: UInt32 = 0
    var bulkEnd: UInt32 = 0
    var bulkOpen = false
    /// Segments that arrived ahead of a hole (reordering), kept whole and parsed once the hole
    /// fills, so a swapped pair inside a chunked upload does not lose the chunk framing.
    var pending: [PendingSegment] = []
    var pendingBytes = 0
    static let pendingLimit = 1 << 20

    mutating func segment(peek: TransportPeek, payload: UnsafeRawBufferPointer, requests: inout RequestQueue) -> Int {
        var sequence = peek.sequenceNumber
        if peek.isSYN {
            sequence = sequence &+ 1
            synced = true
            nextSequence = sequence
            framing.state = .opaque
        }
        let wireLength = UInt32(truncatingIfNeeded: peek.payloadLength)
        guard wireLength > 0 else { return payload.count }
        if !synced {
            synced = true
            nextSequence = sequence
        }
        let end = sequence &+ wireLength
        let delta = Int32(bitPattern: sequence &- nextSequence)
        if delta < 0 {
            // Old data: cut only what lies wholly inside a known bulk body.
            if bulkStart != bulkEnd || bulkOpen, !Self.after(bulkStart, sequence),
               !Self.after(end, bulkOpen ? nextSequence : bulkEnd) {
                return 0
            }
            if Self.after(end, nextSequence) {
                let skip = Int(nextSequence &- sequence)
                if skip < payload.count {
                    _ = inOrder(UnsafeRawBufferPointer(rebasing: payload[skip...]), at: nextSequence,
                                wireLength: end &- nextSequence, requests: &requests)
                    drainPending(requests: &requests)
                }
            }
            return payload.count
        }
        if delta > 0 {
            if let remaining = framing.bulkBodyRemaining, Int64(delta) < remaining {
                framing.skipBulk(Int64(delta))
            } else if payload.count == Int(wireLength), pendingBytes &+ payload.count <= Self.pendingLimit,
                      delta <= Int32(Self.pendingLimit) {
                pending.append(PendingSegment(sequence: sequence, bytes: Array(payload), wireLength: wireLength))
                pendingBytes &+= payload.count
                return payload.count
            } else {
                framing.state = .opaque
                bulkOpen = false
                pending.removeAll()
                pendingBytes = 0
            }
        }
        let kept = inOrder(payload, at: sequence, wireLength: wireLength, requests: &requests)
        drainPending(requests: &requests)
        return kept
    }

    /// Parses the held segments the stream has now reached (they were written whole already).
    private mutating func drainPending(requests: inout RequestQueue) {
        while let i = pending.firstIndex(where: { !Self.after($0.sequence, nextSequence) }) {
            let segment = pending.remove(at: i)
            pendingBytes &-= segment.bytes.count
            let end = segment.sequence &+ segment.wireLength
            guard Self.after(end, nextSequence) else { continue }
            let skip = Int(nextSequence &- segment.sequence)
            segment.bytes.withUnsafeBytes { raw in
                _ = inOrder(UnsafeRawBufferPointer(rebasing: raw[skip...]), at: nextSequence,
                            wireLength: end &- nextSequence, requests: &requests)
            }
        }
    }

    /// Feeds the bytes at `sequence` (the next expected ones) to the framing.
    private mutating func inOrder(_ payload: UnsafeRawBufferPointer, at sequence: UInt32, wireLength: UInt32,
                                  requests: inout RequestQueue) -> Int {
        framing.resynchronise(payload)
        let wasBulk = framing.inBulkBody
        var kept = framing.consume(payload, requests: &requests)
        nextSequence = sequence &+ wireLength
        if payload.count < Int(wireLength) {
            // The snaplen cut this segment: what follows in the stream is unknown.
            if let remaining = framing.bulkBodyRemaining, Int64(Int(wireLength) - payload.count) <= remaining {
                framing.skipBulk(Int64(Int(wireLength) - payload.count))
            } else {
                framing.state = .opaque
                kept = payload.count
            }
        }
        if framing.inBulkBody {
            if !bulkOpen {
                bulkOpen = true
                bulkStart = wasBulk ? sequence : sequence &+ UInt32(truncatingIfNeeded: kept)
            }
            bulkEnd = nextSequence
        } else if bulkOpen {
            // The body ended inside this segment; its retransmission is kept (conservative).
            bulkOpen = false
            bulkEnd = sequence
        }
        return kept
    }

    static func after(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) > 0 }
}

/// A segment held by `SlimDirection` until the hole before it fills.
struct PendingSegment {
    var sequence: UInt32
    var bytes: [UInt8]
    var wireLength: UInt32
}
