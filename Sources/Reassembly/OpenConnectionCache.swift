import PacketDecoding

/// A two-way set-associative cache of open connections by 4-tuple (see
/// `TCPReassembler.openCache`): a set is a slot and the one after it, the newer entry first.
/// Two ways because one missed every packet of two busy connections whose 4-tuples met in a
/// slot (on the API benchmark's 50 connections, 24,000 packets each went on to the table).
/// Holds no references: the owner removes a connection before it lets the connection go. A
/// 4-tuple is in at most one way.
@usableFromInline
final class OpenConnectionCache {
    private struct Slot {
        var key: ConnectionKey
        var connection: Unmanaged<TCPConnection>?
    }

    @usableFromInline static let slotCount = 1024
    /// The first slots of the sets: the even ones.
    @usableFromInline static let setMask = slotCount &- 2
    private let slots: UnsafeMutablePointer<Slot>

    init() {
        let nowhere = Endpoint(address: IPAddress(ipv4: 0), port: 0)
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(key: ConnectionKey(nowhere, nowhere), connection: nil), count: Self.slotCount)
    }

    deinit {
        slots.deinitialize(count: Self.slotCount)
        slots.deallocate()
    }

    /// The 4-tuple's words folded and mixed by MurmurHash3's finalizer; not seeded, which costs
    /// a crafted capture only misses (the table behind the cache is SipHash-seeded).
    @inlinable @inline(__always)
    static func slot(of key: ConnectionKey) -> Int {
        var mixed = (key.lower.address.low << 32 | key.upper.address.low & 0xFFFF_FFFF)
            ^ (key.lower.address.high &* 0x9E37_79B9_7F4A_7C15) ^ (key.upper.address.high &* 0xC2B2_AE3D_27D4_EB4F)
            ^ (UInt64(key.lower.port) << 16 | UInt64(key.upper.port)) &* 0x27D4_EB2F_1656_67C5
        mixed ^= mixed >> 33
        mixed &*= 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        mixed &*= 0xC4CE_B9FE_1A85_EC53
        mixed ^= mixed >> 33
        return Int(truncatingIfNeeded: mixed & UInt64(setMask))
    }

    @inline(__always)
    func connection(_ key: ConnectionKey, at slot: Int) -> Unmanaged<TCPConnection>? {
        let first = slots + slot
        if let connection = first.pointee.connection, first.pointee.key == key { return connection }
        let second = first + 1
        if let connection = second.pointee.connection, second.pointee.key == key { return connection }
        return nil
    }

    /// Puts `key` first in its set; the entry it displaces (another 4-tuple's) goes second.
    @inline(__always)
    func set(_ key: ConnectionKey, _ connection: Unmanaged<TCPConnection>, at slot: Int) {
        let first = slots + slot
        let second = first + 1
        if second.pointee.connection != nil && second.pointee.key == key {
            second.pointee.connection = nil
        }
        if first.pointee.connection != nil && first.pointee.key != key {
            second.pointee = first.pointee
        }
        first.pointee = Slot(key: key, connection: connection)
    }

    /// Forgets `connection` (it is closing), in whichever way of its set holds it.
    func remove(_ connection: TCPConnection, key: ConnectionKey) {
        let first = slots + Self.slot(of: key)
        let closing = Unmanaged.passUnretained(connection).toOpaque()
        if first.pointee.connection?.toOpaque() == closing { first.pointee.connection = nil }
        if (first + 1).pointee.connection?.toOpaque() == closing { (first + 1).pointee.connection = nil }
    }
}
