import CaptureIO
import Testing
@testable import PacketDecoding

/// IPv4 header checks, IPv6 extension headers, TCP header checks and snaplen cuts.
@Suite struct NetworkLayerTests {
    let payload = Array("0123456789".utf8)

    func ether(_ ip: [UInt8], type: UInt16 = 0x0800) -> [UInt8] { PacketBuilder.ethernet(type: type, payload: ip) }

    @Test func ipv4OptionsAndEthernetPadding() {
        let ip = PacketBuilder.ipv4(payload: PacketBuilder.tcp(payload: payload), options: [0x94, 0x04, 0, 0])
        let summary = decode(ether(ip) + [0, 0, 0, 0, 0, 0], linkType: .ethernet)   // padding after total length
        #expect(summary.kind == .tcp)
        #expect(summary.payload == payload)
    }

    @Test func ipv4HeaderLengthsAreValidated() {
        let tcp = PacketBuilder.tcp(payload: payload)
        #expect(decode(ether(PacketBuilder.ipv4(payload: tcp, headerWords: 4)), linkType: .ethernet).kind == .skipped(.malformed))
        #expect(decode(ether(PacketBuilder.ipv4(payload: tcp, totalLength: 19)), linkType: .ethernet).kind == .skipped(.malformed))
        #expect(decode(ether(PacketBuilder.ipv4(payload: tcp, totalLength: 400)), linkType: .ethernet).kind == .skipped(.malformed))
        #expect(decode(ether(PacketBuilder.ipv4(payload: tcp, headerWords: 15)), linkType: .ethernet).kind == .skipped(.malformed))
        // Total length 0 with a full frame: a segmentation-offload capture, decoded from the frame length.
        let offloaded = decode(ether(PacketBuilder.ipv4(payload: tcp, totalLength: 0)), linkType: .ethernet)
        #expect(offloaded.kind == .tcp && offloaded.payload == payload)
    }

    @Test func snaplenCutKeepsTheIPLength() {
        let frame = ether(PacketBuilder.ipv4(payload: PacketBuilder.tcp(payload: payload)))
        let summary = decode(Array(frame.prefix(frame.count - 6)), linkType: .ethernet, originalLength: frame.count)
        #expect(summary.kind == .tcp)
        #expect(summary.payload == Array(payload.prefix(4)))
        #expect(summary.payloadLength == 10)
        // Cut inside the TCP header: nothing to hand on.
        let short = decode(Array(frame.prefix(14 + 20 + 10)), linkType: .ethernet, originalLength: frame.count)
        #expect(short.kind == .skipped(.truncated))
    }

    @Test func tcpOptionsAndDataOffset() {
        let options: [UInt8] = [2, 4, 0x05, 0xB4, 1, 3, 3, 7, 4, 2, 0, 0]
        let syn = decode(ether(PacketBuilder.ipv4(payload: PacketBuilder.tcp(flags: 0x02, options: options))), linkType: .ethernet)
        #expect(syn.kind == .tcp && syn.mss == 1460 && syn.windowScale == 7 && syn.flags == 0x02)
        let bad = PacketBuilder.tcp(payload: payload, dataOffsetWords: 4)
        #expect(decode(ether(PacketBuilder.ipv4(payload: bad)), linkType: .ethernet).kind == .skipped(.malformed))
        let beyond = PacketBuilder.tcp(payload: [], dataOffsetWords: 15)
        #expect(decode(ether(PacketBuilder.ipv4(payload: beyond)), linkType: .ethernet).kind == .skipped(.malformed))
        // An option whose length runs past the header is ignored, not trusted.
        let broken = decode(ether(PacketBuilder.ipv4(payload: PacketBuilder.tcp(options: [2, 40, 0, 0], payload: payload))), linkType: .ethernet)
        #expect(broken.kind == .tcp && broken.mss == nil && broken.payload == payload)
    }

    @Test func ipv6ExtensionHeaders() {
        let tcp = PacketBuilder.tcp(payload: payload)
        let chain = PacketBuilder.extensionHeader(next: 43) + PacketBuilder.extensionHeader(next: 60)
            + PacketBuilder.extensionHeader(next: 6) + tcp
        let summary = decode(ether(PacketBuilder.ipv6(nextHeader: 0, payload: chain), type: 0x86DD), linkType: .ethernet)
        #expect(summary.kind == .tcp)
        #expect(summary.payload == payload && summary.payloadLength == payload.count)
        let none = PacketBuilder.ipv6(nextHeader: 59, payload: [])
        #expect(decode(none, linkType: .ipv6).kind == .skipped(.otherTransport))
        let overlong = PacketBuilder.ipv6(nextHeader: 0, payload: [6, 200, 0, 0, 0, 0, 0, 0])
        #expect(decode(overlong, linkType: .ipv6).kind == .skipped(.malformed))
    }
}
