import Foundation
import TestSupport

/// A classic pcap of Ethernet/IPv4/TCP packets (what `tcpdump -i lo -w` writes), taken apart
/// enough to drop or re-cut TCP payloads and written back out.
struct LoopbackPcap {
    struct Packet {
        var seconds: UInt32
        var fraction: UInt32
        /// Ethernet + IPv4 + TCP headers.
        var headers: [UInt8]
        var ipHeaderLength: Int
        var payload: [UInt8]

        var payloadCount: Int { payload.count }
        var sourcePort: UInt16 { UInt16(headers[14 + ipHeaderLength]) << 8 | UInt16(headers[15 + ipHeaderLength]) }
        var destinationPort: UInt16 { UInt16(headers[16 + ipHeaderLength]) << 8 | UInt16(headers[17 + ipHeaderLength]) }

        var bytes: [UInt8] {
            var h = headers
            let total = h.count - 14 + payload.count
            h[16] = UInt8(total >> 8)
            h[17] = UInt8(total & 0xff)
            // IPv4 header checksum over the new length.
            let checksum = TCPFrame.ipv4Checksum(h[14..<(14 + ipHeaderLength)])
            h[24] = UInt8(checksum >> 8)
            h[25] = UInt8(checksum & 0xff)
            return h + payload
        }
    }

    enum Failure: Error { case unsupported(String) }

    var header: [UInt8]
    var packets: [Packet] = []

    init(path: String) throws {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard data.count >= 24, data[0] == 0xd4, data[1] == 0xc3, data[20] == 1 else {
            throw Failure.unsupported("\(path): not a little-endian Ethernet pcap")
        }
        header = Array(data[0..<24])
        func le32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(data[i + $1]) << (8 * $1) } }
        var offset = 24
        while offset + 16 <= data.count {
            let length = Int(le32(offset + 8))
            let frame = Array(data[(offset + 16)..<min(offset + 16 + length, data.count)])
            let ipLength = Int(frame[14] & 0x0f) * 4
            let tcpLength = Int(frame[14 + ipLength + 12] >> 4) * 4
            let total = Int(frame[16]) << 8 | Int(frame[17])
            let split = 14 + ipLength + tcpLength
            packets.append(Packet(seconds: le32(offset), fraction: le32(offset + 4), headers: Array(frame[..<split]),
                                  ipHeaderLength: ipLength, payload: Array(frame[split..<(14 + total)])))
            offset += 16 + length
        }
    }

    /// Cuts every payload of more than one byte into 1 to 4 pieces, sequence numbers adjusted.
    mutating func resegment(using generator: inout SplitMix64) {
        var out: [Packet] = []
        for packet in packets {
            let pieces = packet.payload.count > 1 ? Int(generator.next() % 4) + 1 : 1
            var cuts = Set((1..<pieces).map { _ in Int(generator.next() % UInt64(packet.payload.count - 1)) + 1 })
            cuts.insert(0)
            let starts = cuts.sorted()
            let sequenceOffset = 14 + packet.ipHeaderLength + 4
            let sequence = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(packet.headers[sequenceOffset + $1]) }
            for (i, start) in starts.enumerated() {
                let end = i + 1 < starts.count ? starts[i + 1] : packet.payload.count
                var piece = packet
                piece.payload = Array(packet.payload[start..<end])
                let s = sequence &+ UInt32(start)
                for k in 0..<4 { piece.headers[sequenceOffset + k] = UInt8(s >> (8 * (3 - k)) & 0xff) }
                out.append(piece)
            }
        }
        packets = out
    }

    func write(to path: String) throws {
        var pcap = PcapWriter(header: header)
        for packet in packets { pcap.append(packet.bytes, seconds: packet.seconds, fraction: packet.fraction) }
        try pcap.write(to: path)
    }
}

