/// A TLS protocol version as it appears on the wire (`0x0303` is TLS 1.2).
package struct TLSVersion: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package var rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package static let ssl30 = TLSVersion(rawValue: 0x0300)
    package static let tls10 = TLSVersion(rawValue: 0x0301)
    package static let tls11 = TLSVersion(rawValue: 0x0302)
    package static let tls12 = TLSVersion(rawValue: 0x0303)
    package static let tls13 = TLSVersion(rawValue: 0x0304)

    /// GREASE values (RFC 8701) are `0x?a?a`: clients offer them to keep servers tolerant.
    package var isGREASE: Bool { rawValue & 0x0f0f == 0x0a0a && rawValue >> 8 == rawValue & 0xff }

    /// "TLS 1.2", "SSL 3.0", "TLS 1.3 draft 28", "GREASE" or "0xXXXX".
    package var description: String {
        switch rawValue {
        case 0x0300: return "SSL 3.0"
        case 0x0301: return "TLS 1.0"
        case 0x0302: return "TLS 1.1"
        case 0x0303: return "TLS 1.2"
        case 0x0304: return "TLS 1.3"
        default:
            if isGREASE { return "GREASE" }
            // Drafts of TLS 1.3 were 0x7fNN.
            if rawValue >> 8 == 0x7f { return "TLS 1.3 draft \(rawValue & 0xff)" }
            return hexCode(rawValue)
        }
    }
}

/// "0x" and four hex digits.
func hexCode(_ value: UInt16) -> String {
    "0x" + hexString([UInt8(value >> 8), UInt8(value & 0xff)])
}
