/// An IPv4 or IPv6 address as a value, without Foundation.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The 16 address bytes, big-endian; IPv4 uses the low 4 bytes of `low` (high 32 bits zero).
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    @inlinable
    public init(ipv4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv6 = false
    }

    @inlinable
    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        isIPv6 = true
    }

    @inlinable
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isIPv6 != b.isIPv6 { return !a.isIPv6 }
        return (a.high, a.low) < (b.high, b.low)
    }

    public var description: String {
        if !isIPv6 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        }
        if high == 0, low >> 32 == 0xffff {
            // RFC 5952 §5: an IPv4-mapped address ends in dotted decimal (::ffff:192.0.2.1).
            return "::ffff:" + IPAddress(ipv4: UInt32(truncatingIfNeeded: low)).description
        }
        var groups = [UInt16]()
        groups.reserveCapacity(8)
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: low >> UInt64(shift))) }
        // RFC 5952: compress the longest run (length >= 2) of zero groups, leftmost on ties.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }
}

/// An address and a port: `"ip:port"`, or `"[addr]:port"` for IPv6 (DESIGN.md's format).
public struct Endpoint: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var address: IPAddress
    public var port: UInt16
    @inlinable
    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }
    @inlinable
    public static func < (a: Endpoint, b: Endpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }
    public var description: String {
        address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
