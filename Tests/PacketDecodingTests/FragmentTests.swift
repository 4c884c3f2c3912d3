import CaptureIO
import Testing
@testable import PacketDecoding

/// IPv4 and IPv6 fragment reassembly: any order, overlaps, timeouts, memory cap.
@Suite struct FragmentTests {
    let body: [UInt8] = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    var datagram: [UInt8] { PacketBuilder.tcp(payload: body) }

    func fragments4(_ cuts: [(Int, Int)], identification: UInt16 = 9) -> [[UInt8]] {
        cuts.map { start, end in
            PacketBuilder.ipv4(payload: Array(datagram[start..<end]), identification: identification,
                               moreFragments: end < datagram.count, fragmentOffset: start)
        }
    }

    @Test func ipv4FragmentsInAnyOrder() {
        let decoder = PacketDecoder()
        let parts = fragments4([(0, 1480), (1480, 2960), (2960, datagram.count)])
        #expect(decode(parts[2], linkType: .raw, with: decoder).kind == .pending)
        #expect(decode(parts[0], linkType: .raw, with: decoder).kind == .pending)
        let summary = decode(parts[1], linkType: .raw, with: decoder)
        #expect(summary.kind == .tcp)
        #expect(summary.payload == body)
        #expect(decoder.statistics.fragments == 3)
        #expect(decoder.statistics.reassembledDatagrams == 1)
        #expect(decoder.fragments.pendingDatagrams == 0)
    }

    @Test func overlappingFragmentsKeepTheFirstCopy() {
        let decoder = PacketDecoder()
        // A later fragment rewrites bytes 8..<1480 (the TCP header and more) with zeros.
        let forged = PacketBuilder.ipv4(payload: [UInt8](repeating: 0, count: 1472), identification: 9,
                                        moreFragments: true, fragmentOffset: 8)
        let parts = fragments4([(0, 1480), (1480, datagram.count)])
        #expect(decode(parts[0], linkType: .raw, with: decoder).kind == .pending)
        #expect(decode(forged, linkType: .raw, with: decoder).kind == .pending)
        let summary = decode(parts[1], linkType: .raw, with: decoder)
        #expect(summary.kind == .tcp && summary.payload == body)
        #expect(decoder.statistics.overlappingFragments == 1)
    }

    @Test func incompleteDatagramsTimeOutByCaptureTime() {
        let decoder = PacketDecoder()
        let parts = fragments4([(0, 1480), (1480, datagram.count)])
        #expect(decode(parts[0], linkType: .raw, at: 0, with: decoder).kind == .pending)
        let later = fragments4([(0, 1480), (1480, datagram.count)], identification: 10)
        #expect(decode(later[0], linkType: .raw, at: 31_000_000_000, with: decoder).kind == .pending)
        #expect(decoder.statistics.expiredDatagrams == 1)
        // The first datagram's second half now finds nothing to join.
        #expect(decode(parts[1], linkType: .raw, at: 31_000_000_001, with: decoder).kind == .pending)
    }

    @Test func memoryCapEvictsTheOldest() {
        var configuration = PacketDecoder.Configuration()
        configuration.maxFragmentBytes = 4000
        let decoder = PacketDecoder(configuration: configuration)
        for id in 0..<5 {
            let part = fragments4([(0, 1480)], identification: UInt16(id))[0]
            #expect(decode(part, linkType: .raw, at: Int64(id), with: decoder).kind == .pending)
        }
        #expect(decoder.fragments.pendingDatagrams == 2)
        #expect(decoder.statistics.expiredDatagrams == 3)
    }

    @Test func ipv6Fragments() {
        let decoder = PacketDecoder()
        let id: UInt32 = 0xABCD
        let first = PacketBuilder.extensionHeader(next: 44) + PacketBuilder.fragmentHeader(next: 6, offset: 0, more: true, identification: id)
            + Array(datagram[0..<1456])
        let second = PacketBuilder.fragmentHeader(next: 6, offset: 1456, more: false, identification: id) + Array(datagram[1456...])
        #expect(decode(PacketBuilder.ipv6(nextHeader: 0, payload: first), linkType: .ipv6, with: decoder).kind == .pending)
        let summary = decode(PacketBuilder.ipv6(nextHeader: 44, payload: second), linkType: .ipv6, with: decoder)
        #expect(summary.kind == .tcp)
        #expect(summary.source == "[2001:db8::1]:40000")
        #expect(summary.payload == body)
        // An atomic fragment (offset 0, no more) is a whole datagram.
        let atomic = PacketBuilder.fragmentHeader(next: 6, offset: 0, more: false, identification: 1) + PacketBuilder.tcp(payload: [1])
        #expect(decode(PacketBuilder.ipv6(nextHeader: 44, payload: atomic), linkType: .ipv6, with: decoder).payload == [1])
    }

    @Test func snaplenCutFragmentsAreDropped() {
        let decoder = PacketDecoder()
        let part = fragments4([(0, 1480)])[0]
        #expect(decode(Array(part.prefix(600)), linkType: .raw, originalLength: part.count, with: decoder).kind
                == .skipped(.fragmentDropped))
    }
}
