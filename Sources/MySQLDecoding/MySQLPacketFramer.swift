import CaptureIO

/// Splits one direction's byte stream into logical MySQL packets.
///
/// A packet is a 3-byte little-endian length and a 1-byte sequence id, then the payload.
/// A payload of 2^24-1 bytes or more is sent as fragments of exactly 0xffffff bytes followed
/// by a shorter one (possibly empty); the framer joins them into one logical packet.
/// Only the first `keepLimit` payload bytes are stored; the rest is counted, so a 16 MB
/// blob never costs 16 MB of memory.
struct MySQLPacketFramer {
    static let maxFragment = 0xff_ffff

    let keepLimit: Int
    private var header: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
    private var headerCount = 0
    private var fragmentRemaining = 0
    private var inPayload = false
    private var moreFragments = false
    private var started = false
    private(set) var storage: [UInt8] = []
    /// Full logical payload length, including bytes not kept.
    private(set) var totalLength = 0
    private(set) var sequenceID: UInt8 = 0
    /// Sequence id of the last fragment, so the next packet's id can be checked.
    private(set) var lastSequenceID: UInt8 = 0
    private(set) var startTime = Timestamp.zero
    private(set) var endTime = Timestamp.zero
    private(set) var ready = false

    /// When set, bytes are scanned for a plausible packet header instead of trusted.
    var scanner: ((UInt32, UInt8, UInt8) -> Bool)?
    private var window: [UInt8] = []
    private var windowTime = [Timestamp]()

    init(keepLimit: Int) {
        self.keepLimit = max(keepLimit, 16)
    }

    /// True when no partial packet is held.
    var isIdle: Bool { !started && headerCount == 0 && window.isEmpty }

    /// Drops any partial packet (after a gap, or when another layer knows a boundary).
    mutating func restart() {
        headerCount = 0
        fragmentRemaining = 0
        inPayload = false
        moreFragments = false
        started = false
        ready = false
        totalLength = 0
        window.removeAll(keepingCapacity: true)
        windowTime.removeAll(keepingCapacity: true)
        storage.removeAll(keepingCapacity: storage.capacity <= 256 * 1024)
    }

    /// Releases the packet after its handler ran.
    mutating func clearPacket() {
        ready = false
        started = false
        totalLength = 0
        storage.removeAll(keepingCapacity: storage.capacity <= 256 * 1024)
    }

    /// The header of a whole packet at the start of `bytes` when the framer holds nothing and is
    /// not scanning: the caller reads its payload in place, without a copy, and skips its
    /// `4 + length` bytes. nil when the packet does not end within `bytes` or is a fragment of
    /// a 16 MB one; `consume` then frames it.
    mutating func wholePacket(at bytes: UnsafeRawBufferPointer, time: Timestamp) -> (length: Int, sequenceID: UInt8)? {
        guard !ready, !started, headerCount == 0, scanner == nil, window.isEmpty, bytes.count >= 4 else { return nil }
        let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        guard length < MySQLPacketFramer.maxFragment, length <= bytes.count &- 4 else { return nil }
        sequenceID = bytes[3]
        lastSequenceID = bytes[3]
        startTime = time
        endTime = time
        return (length, bytes[3])
    }

    /// Consumes bytes up to the end of one packet. Returns how many bytes were used; `ready`
    /// tells whether a whole packet is now available in `storage`.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, at time: Timestamp) -> Int {
        guard !ready else { return 0 }
        var index = 0
        let count = bytes.count
        while index < count {
            if scanner != nil {
                index &+= scan(bytes, from: index, at: time)
                if ready { return index }
                continue
            }
            if !inPayload {
                if headerCount == 0 && !started { startTime = time }
                let byte = bytes[index]
                index &+= 1
                switch headerCount {
                case 0: header.0 = byte
                case 1: header.1 = byte
                case 2: header.2 = byte
                default: header.3 = byte
                }
                headerCount &+= 1
                if headerCount == 4 { beginFragment(at: time) }
                if ready { endTime = time; return index }
                continue
            }
            let take = min(fragmentRemaining, count &- index)
            store(UnsafeRawBufferPointer(rebasing: bytes[index..<(index &+ take)]))
            index &+= take
            fragmentRemaining &-= take
            if fragmentRemaining == 0 {
                endFragment()
                if ready { endTime = time; return index }
            }
        }
        return index
    }

    private mutating func beginFragment(at time: Timestamp) {
        let length = Int(header.0) | Int(header.1) << 8 | Int(header.2) << 16
        headerCount = 0
        if !started {
            started = true
            sequenceID = header.3
            totalLength = 0
        }
        lastSequenceID = header.3
        fragmentRemaining = length
        moreFragments = length == MySQLPacketFramer.maxFragment
        inPayload = true
        if length == 0 { endFragment() }
    }

    private mutating func endFragment() {
        inPayload = false
        if !moreFragments { ready = true }
    }

    private mutating func store(_ chunk: UnsafeRawBufferPointer) {
        totalLength &+= chunk.count
        let room = keepLimit &- storage.count
        if room > 0 { storage.append(contentsOf: chunk.prefix(room)) }
    }

    /// Slides a 5-byte window (header and first payload byte) until the scanner accepts it.
    private mutating func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, at time: Timestamp) -> Int {
        var index = start
        while index < bytes.count {
            window.append(bytes[index])
            windowTime.append(time)
            index &+= 1
            if window.count > 5 {
                window.removeFirst()
                windowTime.removeFirst()
            }
            guard window.count == 5, let accept = scanner else { continue }
            let length = UInt32(window[0]) | UInt32(window[1]) << 8 | UInt32(window[2]) << 16
            if accept(length, window[3], window[4]) {
                let first = window[4]
                let headerTime = windowTime[0]
                header = (window[0], window[1], window[2], window[3])
                window.removeAll(keepingCapacity: true)
                windowTime.removeAll(keepingCapacity: true)
                scanner = nil
                startTime = headerTime
                headerCount = 4
                beginFragment(at: headerTime)
                withUnsafeBytes(of: first) { store($0) }
                fragmentRemaining &-= 1
                if fragmentRemaining == 0 {
                    endFragment()
                    if ready { endTime = time }
                }
                return index &- start
            }
        }
        return index &- start
    }
}
