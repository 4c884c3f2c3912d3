import CaptureIO
import ByteReading
import PacketDecoding

/// One direction of a connection: turns segments into in-order bytes and gaps.
///
/// Sequence numbers are compared as signed 32-bit differences from `nextSequence`, which
/// makes wrap-around invisible (RFC 9293 §3.4). In-order data goes straight from the packet to
/// the connection (no copy); only segments ahead of a hole are copied into `pending`.
final class TCPHalfStream {
    let direction: FlowDirection
    /// Set by a SYN (ISN + 1) or by the first data segment when the capture began mid-connection.
    private(set) var isStarted = false
    /// Sequence number of the next byte to deliver.
    private(set) var nextSequence: UInt32 = 0
    /// Stream offset of `nextSequence`: bytes and gaps delivered so far (`StreamPosition.offset`).
    private(set) var position = 0
    /// Sequence number the FIN occupies, once a FIN was seen.
    private(set) var finSequence: UInt32?
    private(set) var isFinished = false
    /// Segments ahead of `nextSequence`, sorted, disjoint, each starting after `nextSequence`.
    private(set) var pending: [BufferedSegment] = []
    private(set) var bufferedCost = 0
    /// Highest acknowledgement the other side sent: proof of what it received.
    private(set) var peerAcknowledgement: UInt32 = 0
    private(set) var hasPeerAcknowledgement = false
    private var holeAcknowledgedSince: Timestamp?
    /// tshark's base sequence number for this direction (the ISN, or one before the first
    /// sequence number seen), used only to tell port reuse from a retransmitted SYN.
    var baseSequence: UInt32?

    /// Segments further than this from `nextSequence` are strays, not data of this stream.
    static let plausibleDistance = 1 << 30

    init(direction: FlowDirection) {
        self.direction = direction
    }

    @inline(__always)
    func offset(_ sequence: UInt32) -> Int { Int(Int32(bitPattern: sequence &- nextSequence)) }

    /// Stream offset of a sequence number (an acknowledgement of this direction's bytes), or
    /// nil before the stream started.
    @inline(__always)
    func streamOffset(of sequence: UInt32) -> Int? { isStarted ? position &+ offset(sequence) : nil }

    /// Moves the stream position over `count` delivered bytes or gap.
    @inline(__always)
    private func advance(_ count: Int) {
        nextSequence = nextSequence &+ UInt32(truncatingIfNeeded: count)
        position &+= count
    }

    /// Handles the sequence-space part of a segment sent in this direction.
    /// `acknowledged` is the segment's acknowledgement as an offset in the other direction's
    /// stream, passed on with its bytes (`StreamPosition.peerAcknowledged`).
    func receive(_ segment: TCPSegment, at time: Timestamp, acknowledged: Int?, inOrderDirectly: Bool,
                 on connection: TCPConnection) {
        if inOrderDirectly && takesInOrder(segment) {
            receiveInOrder(segment, at: time, acknowledged: acknowledged, on: connection)
            return
        }
        var start = segment.sequenceNumber
        if segment.flags.contains(.syn) {
            if !isStarted {
                isStarted = true
                nextSequence = start &+ 1
            }
            start = start &+ 1
        }
        let length = max(segment.payloadLength, 0)
        if !isStarted {
            // A pure ACK's sequence number is not trusted to start a stream: keep-alives use seq - 1.
            guard length > 0 || segment.flags.contains(.fin) else { return }
            isStarted = true
            nextSequence = start
        }
        if segment.flags.contains(.fin), finSequence == nil {
            let fin = start &+ UInt32(truncatingIfNeeded: length)
            let distance = offset(fin)
            if distance >= -1 && distance < TCPHalfStream.plausibleDistance { finSequence = fin }
        }
        if length > 0 {
            receiveData(start: start, payload: segment.payload, length: length, at: time, acknowledged: acknowledged, on: connection)
        }
        checkFinished(at: time, on: connection)
    }

    /// The segment nearly every other one is: bytes, all captured, that start exactly where the
    /// stream is, with nothing held out of order and no SYN or FIN about (no FIN seen yet either).
    /// `receiveInOrder` hands them straight to the connection, as `receiveData` would, without
    /// its general steps (a third of the reassembler's instructions on a capture of API calls).
    @inline(__always)
    func takesInOrder(_ segment: TCPSegment) -> Bool {
        let length = segment.payloadLength
        return length > 0 && segment.payload.count >= length && isStarted && segment.sequenceNumber == nextSequence
            && segment.flags.rawValue & (TCPFlags.syn.rawValue | TCPFlags.fin.rawValue) == 0
            && finSequence == nil && pending.isEmpty
    }

    /// Delivers a segment `takesInOrder` accepted.
    @inline(__always)
    func receiveInOrder(_ segment: TCPSegment, at time: Timestamp, acknowledged: Int?, on connection: TCPConnection) {
        let length = segment.payloadLength
        let here = StreamPosition(offset: position, peerAcknowledged: acknowledged)
        advance(length)
        connection.deliver(UnsafeRawBufferPointer(rebasing: segment.payload[0..<length]), direction: direction,
                           at: time, position: here)
    }

    private func receiveData(start: UInt32, payload: UnsafeRawBufferPointer, length: Int, at time: Timestamp,
                             acknowledged: Int?, on connection: TCPConnection) {
        let relativeStart = offset(start)
        guard relativeStart > -TCPHalfStream.plausibleDistance, relativeStart < TCPHalfStream.plausibleDistance else {
            connection.statistics.retransmittedSegments &+= 1
            return
        }
        var relativeEnd = relativeStart &+ length
        // Bytes after the FIN cannot be part of the stream.
        if let fin = finSequence { relativeEnd = min(relativeEnd, offset(fin)) }
        if relativeEnd <= 0 {
            // Keep-alives (RFC 9293 §3.8.4) and zero-window probes of an acknowledged byte sit
            // one byte before the next sequence number; they are not retransmissions.
            // Bytes wholly after a FIN are dropped without counting them as anything.
            if !(length <= 1 && relativeStart == -1) && relativeStart < 0 {
                connection.statistics.retransmittedSegments &+= 1
            }
            return
        }
        let captured = min(payload.count, length)
        let capturedEnd = min(relativeStart &+ captured, relativeEnd)

        if relativeStart <= 0 {
            if relativeStart < 0 { connection.statistics.retransmittedSegments &+= 1 }
            let limit = pending.first.map { offset($0.sequence) } ?? Int.max
            let directEnd = min(capturedEnd, limit)
            if directEnd > 0 {
                let bytes = payload.clampedSlice(-relativeStart, directEnd &- relativeStart)
                let here = StreamPosition(offset: position, peerAcknowledged: acknowledged)
                advance(directEnd)
                connection.deliver(bytes, direction: direction, at: time, position: here)
            }
            // Offsets moved with `nextSequence`; recompute them from the segment's start.
            let segmentLength = relativeEnd &- relativeStart
            let startNow = offset(start)
            let capturedEndNow = startNow &+ min(captured, segmentLength)
            let endNow = startNow &+ segmentLength
            let limitNow = pending.first.map { offset($0.sequence) } ?? Int.max
            if capturedEndNow <= 0 && endNow > 0 && limitNow > 0 {
                // The snap length cut the segment: the rest was on the wire but is not captured.
                let missingEnd = min(endNow, limitNow)
                advance(missingEnd)
                connection.deliverNotCaptured(missingEnd, direction: direction, at: time)
            }
            // Whatever is left overlaps or follows buffered pieces: merge it, first copy wins.
            let remainingFrom = -offset(start)
            if remainingFrom < segmentLength {
                insert(start: start, payload: payload, captured: captured, length: segmentLength,
                       from: max(remainingFrom, 0), at: time, acknowledged: acknowledged, on: connection)
            }
            drain(on: connection)
        } else {
            let covered = insert(start: start, payload: payload, captured: captured,
                                 length: relativeEnd &- relativeStart, from: 0, at: time, acknowledged: acknowledged, on: connection)
            if covered {
                connection.statistics.retransmittedSegments &+= 1
            } else {
                connection.statistics.outOfOrderSegments &+= 1
            }
        }
    }

    /// Buffers the part of a segment from byte `from` on that no held piece covers yet.
    /// Returns true when nothing new was stored (the segment duplicated held pieces).
    @discardableResult
    private func insert(start: UInt32, payload: UnsafeRawBufferPointer, captured: Int, length: Int, from: Int,
                        at time: Timestamp, acknowledged: Int?, on connection: TCPConnection) -> Bool {
        let base = offset(start)
        var cursor = base &+ from
        let end = base &+ length
        guard cursor < end else { return true }
        var fresh: [(Int, Int)] = []
        for piece in pending {
            let pieceStart = offset(piece.sequence)
            let pieceEnd = pieceStart &+ piece.count
            if pieceEnd <= cursor { continue }
            if pieceStart >= end { break }
            if cursor < pieceStart { fresh.append((cursor, pieceStart)) }
            let overlapStart = max(cursor, pieceStart)
            let overlapEnd = min(end, pieceEnd, base &+ captured)
            if overlapStart < overlapEnd, let storage = piece.storage,
               !bytesEqual(payload, overlapStart &- base, storage, piece.storageOffset &+ overlapStart &- pieceStart,
                           overlapEnd &- overlapStart) {
                connection.statistics.conflictingOverlaps &+= 1
            }
            cursor = max(cursor, pieceEnd)
            if cursor >= end { break }
        }
        if cursor < end { fresh.append((cursor, end)) }
        if fresh.isEmpty { return true }
        let keepsBytes = connection.keepsBytes
        for (lower, upper) in fresh {
            // Split at the snap length's cut: captured bytes are kept, the rest is marked not captured.
            let capturedUpper = min(upper, base &+ captured)
            if lower < capturedUpper {
                var piece = BufferedSegment(sequence: nextSequence &+ UInt32(truncatingIfNeeded: lower),
                                            count: capturedUpper &- lower, time: time, peerAcknowledged: acknowledged)
                if keepsBytes { piece.storage = Array(payload.clampedSlice(lower &- base, capturedUpper &- base)) }
                add(piece, on: connection)
            }
            let missingLower = max(lower, capturedUpper)
            if missingLower < upper {
                add(BufferedSegment(sequence: nextSequence &+ UInt32(truncatingIfNeeded: missingLower),
                                    count: upper &- missingLower, isNotCaptured: true, time: time), on: connection)
            }
        }
        return false
    }

    private func add(_ piece: BufferedSegment, on connection: TCPConnection) {
        let position = offset(piece.sequence)
        var low = 0
        var high = pending.count
        while low < high {
            let middle = (low &+ high) / 2
            if offset(pending[middle].sequence) < position { low = middle &+ 1 } else { high = middle }
        }
        pending.insert(piece, at: low)
        bufferedCost &+= piece.cost
        connection.budget.used &+= piece.cost
    }

    /// Delivers every held piece that is now contiguous with the stream.
    private func drain(on connection: TCPConnection) {
        var removed = 0
        while removed < pending.count {
            let piece = pending[removed]
            let position = offset(piece.sequence)
            if position > 0 { break }
            let skip = -position
            if skip < piece.count {
                let count = piece.count &- skip
                let here = StreamPosition(offset: self.position, peerAcknowledged: piece.peerAcknowledged)
                advance(count)
                if piece.isNotCaptured {
                    connection.deliverNotCaptured(count, direction: direction, at: piece.time)
                } else if let storage = piece.storage {
                    storage.withUnsafeBytes { bytes in
                        connection.deliver(bytes.clampedSlice(piece.storageOffset &+ skip, piece.storageOffset &+ piece.count),
                                           direction: direction, at: piece.time, position: here)
                    }
                } else {
                    connection.deliverUntracked(count, direction: direction)
                }
            }
            // Read the cost again: delivery may have decided not to follow and dropped storage.
            let cost = pending[removed].cost
            bufferedCost &-= cost
            connection.budget.used &-= cost
            removed &+= 1
        }
        if removed > 0 { pending.removeFirst(removed) }
    }

    /// Declares the hole before the first held piece lost and delivers what follows it.
    /// Returns false when nothing is held.
    @discardableResult
    func skipHole(at time: Timestamp, on connection: TCPConnection) -> Bool {
        guard let first = pending.first else { return false }
        let hole = offset(first.sequence)
        if hole > 0 {
            advance(hole)
            connection.deliverGap(hole, direction: direction, at: time)
        }
        drain(on: connection)
        checkFinished(at: time, on: connection)
        return true
    }

    /// Whether this direction is where a run of established segments assumes it (see
    /// `EstablishedRun`): started, nothing held or finished, nothing acknowledged beyond it,
    /// its next bytes at `dataStart` (when the run carries bytes of it), and the other side's
    /// acknowledgements in the run, `acknowledged`, ordered with the one kept here and, when
    /// the run carries none of this direction's bytes, not beyond them.
    func admitsRun(dataStart: UInt32?, acknowledged: (first: UInt32, last: UInt32)?) -> Bool {
        guard isStarted, baseSequence != nil, pending.isEmpty, finSequence == nil, !isFinished,
              holeAcknowledgedSince == nil else { return false }
        if hasPeerAcknowledgement && offset(peerAcknowledgement) > 0 { return false }
        if let dataStart, dataStart != nextSequence { return false }
        guard let acknowledged else { return true }
        if dataStart == nil && offset(acknowledged.last) > 0 { return false }
        // Far behind the stream is as unsafe as far ahead: offsets must not wrap.
        let span = EstablishedRun.span
        guard offset(acknowledged.first) > -span, offset(acknowledged.last) > -span else { return false }
        guard hasPeerAcknowledgement else { return true }
        let limit = Int32(span)
        let first = Int32(bitPattern: acknowledged.first &- peerAcknowledgement)
        let last = Int32(bitPattern: acknowledged.last &- peerAcknowledgement)
        return first > -limit && first < limit && last > -limit && last < limit
    }

    /// Takes a run's `bytes` of this direction, in order, and the latest of the other side's
    /// acknowledgements in it, as its segments one by one would (`admitsRun` said yes).
    func absorbRun(bytes: Int, lastAcknowledgement: UInt32?) {
        advance(bytes)
        if let lastAcknowledgement { noteAcknowledgement(lastAcknowledgement) }
    }

    /// Records an acknowledgement sent by the other side.
    func noteAcknowledgement(_ acknowledgement: UInt32) {
        if isStarted {
            let distance = offset(acknowledgement)
            guard distance < TCPHalfStream.plausibleDistance else { return }
        }
        if !hasPeerAcknowledgement || Int32(bitPattern: acknowledgement &- peerAcknowledgement) > 0 {
            peerAcknowledgement = acknowledgement
            hasPeerAcknowledgement = true
        }
    }

    /// When the other side acknowledged bytes the capture never showed, they were received
    /// but not captured: they will not come, so they are a gap. `delay` (capture time) lets a
    /// merged capture with skewed clocks show the data after its ACK.
    ///
    /// Called up to three times per segment: the common case (nothing acknowledged beyond the
    /// stream) is decided inline, the rest in `declareAcknowledgedHole`.
    @inline(__always)
    func checkAcknowledgedHole(at time: Timestamp, delay: Int64, on connection: TCPConnection) {
        guard isStarted, hasPeerAcknowledgement, !isFinished else { return }
        guard offset(peerAcknowledgement) > 0 else {
            // Every bound below is at most this one: no hole.
            if holeAcknowledgedSince != nil { holeAcknowledgedSince = nil }
            return
        }
        declareAcknowledgedHole(at: time, delay: delay, on: connection)
    }

    private func declareAcknowledgedHole(at time: Timestamp, delay: Int64, on connection: TCPConnection) {
        var holeEnd = offset(peerAcknowledgement)
        if let first = pending.first {
            holeEnd = min(holeEnd, offset(first.sequence))
        } else if let fin = finSequence {
            holeEnd = min(holeEnd, offset(fin))
        }
        // Without a FIN seen, the acknowledgement might also count a FIN the capture lost; the
        // whole hole is declared anyway (data loss is the common case), and a FIN found later
        // one byte inside the gap still ends the stream.
        guard holeEnd > 0 else {
            holeAcknowledgedSince = nil
            return
        }
        if delay > 0 {
            guard let since = holeAcknowledgedSince else {
                holeAcknowledgedSince = time
                return
            }
            guard time.nanoseconds(since: since) >= delay else { return }
        }
        holeAcknowledgedSince = nil
        advance(holeEnd)
        connection.deliverGap(holeEnd, direction: direction, at: time)
        drain(on: connection)
        checkFinished(at: time, on: connection)
    }

    /// End of the connection: every hole becomes a gap and every held byte is delivered.
    func flush(at time: Timestamp, on connection: TCPConnection) {
        while skipHole(at: time, on: connection) {}
        if let fin = finSequence, !isFinished {
            let missing = offset(fin)
            if missing > 0 {
                advance(missing)
                connection.deliverGap(missing, direction: direction, at: time)
            }
        }
        checkAcknowledgedHole(at: time, delay: 0, on: connection)
        checkFinished(at: time, on: connection)
    }

    /// Drops the copies of held bytes (the connection is not followed); the ranges stay so
    /// that statistics still count holes.
    func dropStoredBytes(budget: BufferBudget) {
        for index in pending.indices where pending[index].storage != nil {
            let before = pending[index].cost
            pending[index].storage = nil
            let saved = before &- pending[index].cost
            bufferedCost &-= saved
            budget.used &-= saved
        }
    }

    /// Releases everything held, without delivering it.
    func release(budget: BufferBudget) {
        budget.used &-= bufferedCost
        bufferedCost = 0
        pending = []
    }

    private func checkFinished(at time: Timestamp, on connection: TCPConnection) {
        guard !isFinished, let fin = finSequence, offset(fin) <= 0 else { return }
        isFinished = true
        connection.deliverFinished(direction: direction, at: time)
    }

    private func bytesEqual(_ a: UnsafeRawBufferPointer, _ aStart: Int, _ b: [UInt8], _ bStart: Int, _ count: Int) -> Bool {
        guard aStart >= 0, bStart >= 0, count >= 0, aStart &+ count <= a.count, bStart &+ count <= b.count else { return true }
        for index in 0..<count where a[aStart &+ index] != b[bStart &+ index] { return false }
        return true
    }
}
