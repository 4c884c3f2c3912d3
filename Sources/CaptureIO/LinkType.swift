/// A LINKTYPE_ value as registered by tcpdump.org, shared by pcap and pcapng.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    public static let raw = LinkType(rawValue: 101)
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

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
