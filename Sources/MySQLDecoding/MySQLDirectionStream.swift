import CaptureIO

/// One direction of a connection: packet framing, optionally under the compressed protocol.
///
/// Compressed packets (7-byte header: compressed length, compressed sequence id,
/// uncompressed length, 0 meaning "stored") carry ordinary packets inside; each compressed
/// payload is its own zlib stream (or zstd frame, MySQL 8), inflated in pieces straight into
/// the inner framer.
final class MySQLDirectionStream {
    enum Mode: Equatable {
        case plain
        case compressed
        /// Bytes are dropped until another layer calls `restart()`.
        case discarding
        /// Bytes go to `passthrough` undecoded (the connection switched to TLS).
        case passthrough
    }

    /// Receives the bytes after a switch to `.passthrough`.
    var passthrough: ((UnsafeRawBufferPointer, Timestamp) -> Void)?

    /// Stops MySQL decoding for good: later bytes (and the rest of the current chunk) go to `passthrough`.
    func switchToPassthrough() {
        mode = .passthrough
        framer.restart()
    }

    var framer: MySQLPacketFramer
    private(set) var mode: Mode = .plain
    private var compressionOn = false
    private var compressedHeader = [UInt8]()
    private var compressedRemaining = 0
    private var compressedStored = false
    private var compressedStart = Timestamp.zero
    private var inflater: (any PacketInflater)?
    /// Compressed packets that failed to inflate (the rest of such a packet is lost).
    private(set) var inflateFailures = 0
    /// Receives each complete packet; set once by the owner.
    var onPacket: ((MySQLPacket) -> Void)?

    init(keepLimit: Int) {
        framer = MySQLPacketFramer(keepLimit: keepLimit)
    }

    var isCompressed: Bool { compressionOn }

    enum Compression { case zlib, zstd }

    /// Switches to the compressed protocol at the next byte.
    func enableCompression(_ algorithm: Compression = .zlib) {
        compressionOn = true
        if mode == .plain { mode = .compressed }
        if inflater == nil { inflater = algorithm == .zstd ? ZstdInflater() : ZlibInflater() }
    }

    /// Drops everything until `restart()`.
    func discard() {
        mode = .discarding
        framer.restart()
        compressedHeader.removeAll(keepingCapacity: true)
        compressedRemaining = 0
    }

    /// Starts framing afresh at the next byte.
    func restart() {
        framer.restart()
        compressedHeader.removeAll(keepingCapacity: true)
        compressedRemaining = 0
        mode = compressionOn ? .compressed : .plain
    }

    func consume(_ bytes: UnsafeRawBufferPointer, at time: Timestamp) {
        var rest = bytes
        while !rest.isEmpty {
            switch mode {
            case .discarding:
                return
            case .passthrough:
                passthrough?(rest, time)
                return
            case .plain:
                if let whole = framer.wholePacket(at: rest, time: time) {
                    // Parsed in place: a query in one segment, a result's rows back to back.
                    let kept = min(whole.length, framer.keepLimit)
                    let payload = UnsafeRawBufferPointer(rebasing: rest[4..<(4 &+ kept)])
                    rest = UnsafeRawBufferPointer(rebasing: rest[(4 &+ whole.length)...])
                    onPacket?(MySQLPacket(sequenceID: whole.sequenceID, payload: payload, totalLength: whole.length,
                                          start: time, end: time))
                    continue
                }
                let used = framer.consume(rest, at: time)
                rest = UnsafeRawBufferPointer(rebasing: rest[used...])
                deliverIfReady()
                if used == 0 && !framer.ready { return }
            case .compressed:
                let used = consumeCompressed(rest, at: time)
                rest = UnsafeRawBufferPointer(rebasing: rest[used...])
            }
        }
    }

    private func deliverIfReady() {
        guard framer.ready else { return }
        do {
            // The packet reads the framer's storage (no copy); the handler may switch modes,
            // which empties the framer: the storage is held here until the handler is done.
            let storage = framer.storage
            let (sequenceID, total, start, end) = (framer.sequenceID, framer.totalLength, framer.startTime, framer.endTime)
            storage.withUnsafeBytes { payload in
                onPacket?(MySQLPacket(sequenceID: sequenceID, payload: payload, totalLength: total, start: start, end: end))
            }
        }
        framer.clearPacket()
    }

    private func consumeCompressed(_ bytes: UnsafeRawBufferPointer, at time: Timestamp) -> Int {
        var index = 0
        if compressedRemaining == 0 {
            if compressedHeader.isEmpty { compressedStart = time }
            while compressedHeader.count < 7, index < bytes.count {
                compressedHeader.append(bytes[index])
                index &+= 1
            }
            guard compressedHeader.count == 7 else { return index }
            let h = compressedHeader
            compressedRemaining = Int(h[0]) | Int(h[1]) << 8 | Int(h[2]) << 16
            let uncompressed = Int(h[4]) | Int(h[5]) << 8 | Int(h[6]) << 16
            compressedStored = uncompressed == 0
            compressedHeader.removeAll(keepingCapacity: true)
            if !compressedStored { inflater?.reset() }
            if compressedRemaining == 0 { return index }
        }
        let take = min(compressedRemaining, bytes.count &- index)
        let piece = UnsafeRawBufferPointer(rebasing: bytes[index..<(index &+ take)])
        compressedRemaining &-= take
        index &+= take
        let start = compressedStart
        if compressedStored {
            feedInner(piece, at: start)
        } else if let inflater {
            let failedBefore = inflater.failed
            inflater.inflate(piece) { out in self.feedInner(out, at: start) }
            if inflater.failed && !failedBefore { inflateFailures &+= 1 }
        }
        return index
    }

    private func feedInner(_ bytes: UnsafeRawBufferPointer, at time: Timestamp) {
        var rest = bytes
        while !rest.isEmpty, mode == .compressed {
            let used = framer.consume(rest, at: time)
            rest = UnsafeRawBufferPointer(rebasing: rest[used...])
            deliverIfReady()
            if used == 0 && !framer.ready { return }
        }
    }
}

/// One logical packet (fragments joined), with at most the framer's keep limit of payload.
///
/// The payload is a view of the bytes the stream was handed (or of the framer's storage when the
/// packet spanned chunks), valid only while the packet's handler runs.
struct MySQLPacket {
    var sequenceID: UInt8
    var payload: UnsafeRawBufferPointer
    /// The full payload length on the wire.
    var totalLength: Int
    /// Time of the chunk that carried the first header byte, and of the one with the last byte.
    var start: Timestamp
    var end: Timestamp
    var isTruncated: Bool { totalLength > payload.count }

    /// Hands the payload to `body` (the readers take a buffer).
    func withPayload<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(payload)
    }
}
