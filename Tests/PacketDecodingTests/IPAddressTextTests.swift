import PacketDecoding
import Testing

/// RFC 5952 text of IPv6 addresses; issue 18, item 7: IPv4-mapped addresses printed as
/// `::ffff:506:708` instead of `::ffff:5.6.7.8` (§5).
struct IPAddressTextTests {
    @Test(arguments: [
        (UInt64(0), UInt64(0x0000_ffff_0506_0708), "::ffff:5.6.7.8"),
        (0, 0x0000_ffff_c000_0201, "::ffff:192.0.2.1"),
        (0, 0x0000_ffff_0000_0000, "::ffff:0.0.0.0"),
        (0, 1, "::1"),
        (0, 0x0000_fffe_0506_0708, "::fffe:506:708"),
        (0x2001_0db8_0000_0000, 0x0000_ffff_0506_0708, "2001:db8::ffff:506:708"),
        (0x2001_0db8_0000_0000, 0x0000_0000_0000_0001, "2001:db8::1"),
    ] as [(UInt64, UInt64, String)])
    func text(high: UInt64, low: UInt64, expected: String) {
        #expect(IPAddress(ipv6High: high, low: low).description == expected)
    }

    @Test func endpointsBracketIt() {
        let endpoint = Endpoint(address: IPAddress(ipv6High: 0, low: 0x0000_ffff_0506_0708), port: 3306)
        #expect(endpoint.description == "[::ffff:5.6.7.8]:3306")
    }
}
