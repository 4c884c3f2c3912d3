import CaptureIO
import Foundation
import Reassembly

/// The TCP payloads of a small pcap recorded on loopback (Ethernet, IPv4), per connection and
/// direction in capture order: just enough to feed the TLS decoder before the reassembler
/// exists. Loopback captures have no loss or reordering; a repeated sequence number is skipped.
struct LoopbackCapture {
    struct Chunk {
        var connection: Int
        var direction: FlowDirection
        var time: Timestamp
        var payload: [UInt8]
        var fin: Bool
    }
    var chunks: [Chunk] = []
    var connectionCount = 0

    init?(path: String, serverPort: UInt16) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count >= 24, bytes[0] == 0xd4, bytes[1] == 0xc3, bytes[2] == 0xb2, bytes[3] == 0xa1 else {
            return nil  // little-endian microsecond pcap only: what dumpcap -P writes here
        }
        func u32le(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        func u16be(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
        func u32be(_ i: Int) -> UInt32 { UInt32(u16be(i)) << 16 | UInt32(u16be(i + 2)) }
        var connectionOfClientPort: [Int: Int] = [:]
        var nextSequence: [String: UInt32] = [:]
        var offset = 24
        while offset + 16 <= bytes.count {
            let seconds = Int64(u32le(offset)), micros = Int64(u32le(offset + 4)), length = u32le(offset + 8)
            let frame = offset + 16
            offset = frame + length
            guard offset <= bytes.count, length >= 14 + 20 + 20, u16be(frame + 12) == 0x0800 else { continue }
            let ip = frame + 14
            let ipHeader = Int(bytes[ip] & 0x0f) * 4, total = u16be(ip + 2)
            guard bytes[ip + 9] == 6 else { continue }
            let tcp = ip + ipHeader
            let source = u16be(tcp), destination = u16be(tcp + 2)
            let sequence = u32be(tcp + 4)
            let flags = bytes[tcp + 13]
            let dataStart = tcp + Int(bytes[tcp + 12] >> 4) * 4
            let dataEnd = ip + total
            let fromClient = destination == Int(serverPort)
            let clientPort = fromClient ? source : destination
            if flags & 0x02 != 0 && fromClient && flags & 0x10 == 0 {  // SYN: a new connection
                connectionOfClientPort[clientPort] = connectionCount
                connectionCount += 1
            }
            guard let connection = connectionOfClientPort[clientPort] else { continue }
            let key = "\(connection)-\(fromClient)"
            let synOrFin = UInt32(flags & 0x03 != 0 ? 1 : 0)
            if flags & 0x02 != 0 { nextSequence[key] = sequence &+ 1; continue }
            guard dataEnd >= dataStart else { continue }
            let payload = Array(bytes[dataStart..<dataEnd])
            if let expected = nextSequence[key], sequence != expected { continue }  // retransmission
            nextSequence[key] = sequence &+ UInt32(payload.count) &+ synOrFin
            guard !payload.isEmpty || flags & 0x01 != 0 else { continue }
            chunks.append(Chunk(connection: connection, direction: fromClient ? .clientToServer : .serverToClient,
                                time: Timestamp(seconds: seconds, nanoseconds: micros * 1000),
                                payload: payload, fin: flags & 0x01 != 0))
        }
    }
}
