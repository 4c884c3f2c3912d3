import CaptureIO
import Testing
@testable import PacketDecoding

/// The decoder's direct path for Ethernet/IPv4/TCP (`decodeCommonTCP`) must decide every record
/// as the general path does: the same packet or the same skip reason, and the same statistics.
/// Each header byte of a few well-formed frames is replaced by values that cross its checks,
/// and each frame is cut at every length and given other original lengths.
@Suite struct CommonPathTests {
    static var general: PacketDecoder.Configuration {
        var configuration = PacketDecoder.Configuration()
        configuration.decodesCommonTCPDirectly = false
        return configuration
    }

    static let frames: [[UInt8]] = {
        let payload = Array("GET /v2/images HTTP/1.1\r\n\r\n".utf8)
        let plain = PacketBuilder.tcp(ack: 77, payload: payload)
        let options = PacketBuilder.tcp(flags: 0x02, options: [2, 4, 0x05, 0xB4, 1, 3, 3, 7], payload: [])
        return [
            PacketBuilder.ethernet(type: 0x0800, payload: PacketBuilder.ipv4(payload: plain)),
            PacketBuilder.ethernet(type: 0x0800, payload: PacketBuilder.ipv4(payload: options)),
            PacketBuilder.ethernet(type: 0x0800, payload: PacketBuilder.ipv4(payload: plain, totalLength: 0)),
            PacketBuilder.ethernet(type: 0x0800, payload: PacketBuilder.ipv4(payload: plain)) + [0, 0, 0, 0, 0, 0],
        ]
    }()

    static func variants(of frame: [UInt8]) -> [([UInt8], Int)] {
        var out: [([UInt8], Int)] = []
        for index in 12..<min(frame.count, 60) {
            for value: UInt8 in [0, 1, 0x06, 0x08, 0x14, 0x20, 0x28, 0x3F, 0x40, 0x45, 0x46, 0x50, 0x4F, 0xFF, frame[index] &+ 1, frame[index] &- 1] {
                var changed = frame
                changed[index] = value
                out.append((changed, changed.count))
            }
        }
        for length in 0...frame.count {
            out.append((Array(frame.prefix(length)), frame.count))
            out.append((Array(frame.prefix(length)), length))
        }
        out.append((frame, frame.count + 100))
        out.append((frame, 0))
        return out
    }

    @Test(arguments: 0..<frames.count)
    func bothPathsDecideAlike(_ which: Int) {
        let direct = PacketDecoder(), general = PacketDecoder(configuration: Self.general)
        var tcp = 0
        for (bytes, originalLength) in Self.variants(of: Self.frames[which]) {
            let a = decode(bytes, linkType: .ethernet, originalLength: originalLength, with: direct)
            let b = decode(bytes, linkType: .ethernet, originalLength: originalLength, with: general)
            #expect(a == b, "frame \(which), \(bytes.count) bytes, original \(originalLength): \(bytes)")
            if a.kind == .tcp { tcp += 1 }
        }
        #expect(direct.statistics.packets == general.statistics.packets)
        #expect(direct.statistics.ipv4 == general.statistics.ipv4 && direct.statistics.tcp == general.statistics.tcp)
        #expect(direct.statistics.udp == general.statistics.udp && direct.statistics.fragments == general.statistics.fragments)
        #expect(direct.statistics.skipped == general.statistics.skipped)
        #expect(tcp > 100 && direct.statistics.skipped.count >= 3, "the variants do not cross the checks")
    }
}
