import CaptureIO
import Testing
@testable import PacketDecoding

/// Every supported link type down to the same TCP segment.
@Suite struct LinkLayerTests {
    let payload = Array("hello".utf8)
    var segment: [UInt8] { PacketBuilder.tcp(payload: payload) }
    var packet4: [UInt8] { PacketBuilder.ipv4(payload: segment) }
    var packet6: [UInt8] { PacketBuilder.ipv6(nextHeader: 6, payload: segment) }

    func expectTCP(_ summary: DecodedSummary, v6: Bool = false) {
        #expect(summary.kind == .tcp)
        #expect(summary.source == (v6 ? "[2001:db8::1]:40000" : "10.0.0.1:40000"))
        #expect(summary.destination == (v6 ? "[2001:db8::2]:9292" : "10.0.0.2:9292"))
        #expect(summary.payload == payload)
        #expect(summary.payloadLength == payload.count)
    }

    @Test func ethernet() {
        expectTCP(decode(PacketBuilder.ethernet(type: 0x0800, payload: packet4), linkType: .ethernet))
        expectTCP(decode(PacketBuilder.ethernet(type: 0x86DD, payload: packet6), linkType: .ethernet), v6: true)
    }

    @Test(arguments: [[0x8100], [0x88A8, 0x8100], [0x9100, 0x8100, 0x8100]] as [[UInt16]])
    func stackedVLANTags(tags: [UInt16]) {
        let decoder = PacketDecoder()
        expectTCP(decode(PacketBuilder.ethernet(type: 0x0800, vlanTags: tags, payload: packet4), linkType: .ethernet, with: decoder))
        #expect(decoder.statistics.vlanTagged == 1)
    }

    @Test func linuxCooked() {
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + PacketBuilder.be16(0x0800)
        expectTCP(decode(sll + packet4, linkType: .linuxSLL))
        let sll2: [UInt8] = PacketBuilder.be16(0x86DD) + [0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]
        expectTCP(decode(sll2 + packet6, linkType: .linuxSLL2), v6: true)
    }

    @Test func bsdLoopbackInBothByteOrders() {
        expectTCP(decode([2, 0, 0, 0] + packet4, linkType: .null))
        expectTCP(decode([0, 0, 0, 2] + packet4, linkType: .null))
        expectTCP(decode([0, 0, 0, 2] + packet4, linkType: .loop))
        for family: UInt8 in [24, 28, 30] {
            expectTCP(decode([family, 0, 0, 0] + packet6, linkType: .null), v6: true)
            expectTCP(decode([0, 0, 0, family] + packet6, linkType: .loop), v6: true)
        }
        #expect(decode([7, 0, 0, 0] + packet4, linkType: .null).kind == .skipped(.nonIPNetworkLayer))
    }

    @Test func rawIP() {
        expectTCP(decode(packet4, linkType: .raw))
        expectTCP(decode(packet6, linkType: .raw), v6: true)
        expectTCP(decode(packet4, linkType: .ipv4))
        expectTCP(decode(packet6, linkType: .ipv6), v6: true)
    }

    @Test func otherLinkTypesAndProtocolsAreCounted() {
        let decoder = PacketDecoder()
        #expect(decode(packet4, linkType: LinkType(rawValue: 105), with: decoder).kind == .skipped(.unsupportedLinkType))
        let arp = PacketBuilder.ethernet(type: 0x0806, payload: [UInt8](repeating: 0, count: 28))
        #expect(decode(arp, linkType: .ethernet, with: decoder).kind == .skipped(.nonIPNetworkLayer))
        let icmp = PacketBuilder.ethernet(type: 0x0800, payload: PacketBuilder.ipv4(transport: 1, payload: [8, 0, 0, 0]))
        #expect(decode(icmp, linkType: .ethernet, with: decoder).kind == .skipped(.otherTransport))
        #expect(decode([2, 0, 0], linkType: .ethernet, with: decoder).kind == .skipped(.truncated))
        let udp = PacketBuilder.ethernet(type: 0x0800, payload: PacketBuilder.ipv4(transport: 17, payload: PacketBuilder.udp(payload: [1, 2, 3])))
        let summary = decode(udp, linkType: .ethernet, with: decoder)
        #expect(summary.kind == .udp && summary.payloadLength == 3 && summary.destination == "10.0.0.2:53")
        #expect(decoder.statistics.packets == 5)
        #expect(decoder.statistics.udp == 1)
        #expect(decoder.statistics.skipped[.unsupportedLinkType] == 1)
        #expect(decoder.statistics.skipped[.nonIPNetworkLayer] == 1)
        #expect(decoder.statistics.skipped[.otherTransport] == 1)
        #expect(decoder.statistics.skipped[.truncated] == 1)
    }
}
