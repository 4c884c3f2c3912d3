/// A LINKTYPE_ value as registered by tcpdump.org, shared by pcap and pcapng.
/// The names are computed and inlinable: a stored `static let` of another module is read
/// through an accessor call, once per packet in the decoder.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable public static var null: LinkType { LinkType(rawValue: 0) }
    @inlinable public static var ethernet: LinkType { LinkType(rawValue: 1) }
    @inlinable public static var raw: LinkType { LinkType(rawValue: 101) }
    @inlinable public static var loop: LinkType { LinkType(rawValue: 108) }
    @inlinable public static var linuxSLL: LinkType { LinkType(rawValue: 113) }
    @inlinable public static var ipv4: LinkType { LinkType(rawValue: 228) }
    @inlinable public static var ipv6: LinkType { LinkType(rawValue: 229) }
    @inlinable public static var linuxSLL2: LinkType { LinkType(rawValue: 276) }

    /// The name capinfos and tshark use for the encapsulation.
    public var name: String {
        switch rawValue {
        case 0: return "null"
        case 1: return "ether"
        case 101: return "rawip"
        case 105: return "ieee-802-11"
        case 108: return "loop"
        case 113: return "linux-sll"
        case 119: return "ieee-802-11-prism"
        case 127: return "ieee-802-11-radiotap"
        case 163: return "ieee-802-11-avs"
        case 228: return "rawip4"
        case 229: return "rawip6"
        case 276: return "linux-sll2"
        default: return "linktype-\(rawValue)"
        }
    }

    public var description: String { name }
}
