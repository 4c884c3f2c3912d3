import LegJoining
import Testing

@Suite struct ForwardingHeadersTests {
    @Test func xForwardedForNamesTheNearestClientLast() {
        let headers = ForwardingHeaders(xForwardedFor: ["203.0.113.7, 10.0.0.5", "192.168.24.2"], forwarded: [],
                                        xForwardedProto: ["https"])
        #expect(headers.nearestClients == [ForwardingHeaders.Node(host: "192.168.24.2")])
        #expect(headers.proto == "https")
        #expect(headers.allow(client: LegAddress(host: "192.168.24.2", port: 40000)))
        #expect(!headers.allow(client: LegAddress(host: "10.0.0.5", port: 40000)))
    }

    @Test func forwardedGivesHostPortAndProto() {
        let headers = ForwardingHeaders(xForwardedFor: [], forwarded: [#"for=192.0.2.60;proto=http, for="[2001:DB8::1]:4711";proto=HTTPS;by=x"#],
                                        xForwardedProto: [])
        #expect(headers.nearestClients == [ForwardingHeaders.Node(host: "2001:db8::1", port: 4711)])
        #expect(headers.proto == "https")
        #expect(headers.allow(client: LegAddress(host: "2001:db8::1", port: 4711)))
        #expect(!headers.allow(client: LegAddress(host: "2001:db8::1", port: 4712)), "the port, when given, must agree")
    }

    @Test func obfuscatedAndUnknownNodesSayNothing() {
        #expect(ForwardingHeaders(xForwardedFor: ["unknown"], forwarded: ["for=_hidden"], xForwardedProto: []).isEmpty)
        #expect(ForwardingHeaders(xForwardedFor: [], forwarded: [], xForwardedProto: []).allow(client: LegAddress(host: "10.1.1.1", port: 1)))
    }

    @Test func mappedIPv4AndEndpoints() {
        #expect(ForwardingHeaders(xForwardedFor: ["::ffff:10.0.0.1"], forwarded: [], xForwardedProto: [])
            .allow(client: LegAddress(host: "10.0.0.1", port: 5)))
        #expect(ForwardingHeaders(xForwardedFor: ["10.0.0.1:5555"], forwarded: [], xForwardedProto: []).nearestClients
            == [ForwardingHeaders.Node(host: "10.0.0.1", port: 5555)])
        #expect(LegAddress(endpoint: "127.0.0.1:13292") == LegAddress(host: "127.0.0.1", port: 13292))
        #expect(LegAddress(endpoint: "[FD00::5]:9292") == LegAddress(host: "fd00::5", port: 9292))
        #expect(LegAddress(endpoint: "[fd00::5]:9292")?.description == "[fd00::5]:9292")
        #expect(LegAddress(endpoint: "nonsense") == nil)
    }
}
