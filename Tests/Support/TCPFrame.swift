/// Ethernet/IPv4/TCP frames for crafted captures: no options, the IPv4 header checksum right,
/// the TCP checksum zero (as with checksum offload, which decoders must accept).
public enum TCPFrame {
    /// The flag bits of the TCP header's 14th byte.
    public static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08, ack: UInt8 = 0x10

    /// One frame from `source` to `destination` (IPv4 addresses as four bytes). The
    /// acknowledgement number is written only when `flags` has ACK.
    public static func ethernetIPv4(source: [UInt8], sourcePort: UInt16, destination: [UInt8], destinationPort: UInt16,
                                    sequence: UInt32, acknowledgement: UInt32 = 0, flags: UInt8, window: UInt16 = 65535,
                                    payload: [UInt8] = []) -> [UInt8] {
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        let total = 40 + payload.count
        var ip: [UInt8] = [0x45, 0, UInt8(total >> 8 & 0xff), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 6, 0, 0] + source + destination
        let checksum = ipv4Checksum(ip[...])
        ip[10] = UInt8(checksum >> 8)
        ip[11] = UInt8(checksum & 0xff)
        let tcp = bigEndian(sourcePort) + bigEndian(destinationPort) + bigEndian(sequence)
            + bigEndian(flags & ack != 0 ? acknowledgement : 0) + [0x50, flags] + bigEndian(window) + [0, 0, 0, 0]
        return ethernet + ip + tcp + payload
    }

    /// The IPv4 header checksum (RFC 791) of `header`, its checksum field taken as zero.
    public static func ipv4Checksum(_ header: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var index = header.startIndex
        while index + 1 < header.endIndex {
            if index - header.startIndex != 10 { sum += UInt32(header[index]) << 8 | UInt32(header[index + 1]) }
            index += 2
        }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    public static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
    public static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * (3 - $0)) & 0xff) } }
}
