import Foundation

/// Builds small Ethernet/IPv4/TCP pcaps for tests whose traffic must be exact.
struct SyntheticCapture {
    private(set) var data = Data()
    private var time: Int64 = 1_700_000_000_000_000
    private var sequences: [String: UInt32] = [:]

    init() {
        append32(0xa1b2_c3d4); append16(2); append16(4); append32(0); append32(0); append32(262_144); append32(1)
    }

    /// One TCP segment from client port `client` (10.0.0.1) to 10.0.0.2:`server` or back.
    /// Sequence numbers follow per direction unless `sequence` overrides (retransmissions).
    mutating func segment(client: UInt16, server: UInt16, toServer: Bool, flags: UInt8, payload: [UInt8] = [],
                          sequence: UInt32? = nil) {
        let key = "\(client)-\(server)-\(toServer)"
        let back = "\(client)-\(server)-\(!toServer)"
        let seq = sequence ?? sequences[key, default: toServer ? 1000 : 5000]
        if sequence == nil {
            sequences[key] = seq &+ UInt32(payload.count) &+ (flags & 0x03 != 0 ? 1 : 0)
        }
        let ack = sequences[back, default: toServer ? 5000 : 1000]
        var frame: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        let total = 40 + payload.count
        let source: [UInt8] = toServer ? [10, 0, 0, 1] : [10, 0, 0, 2]
        let destination: [UInt8] = toServer ? [10, 0, 0, 2] : [10, 0, 0, 1]
        frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 6, 0, 0] + source + destination
        let (sp, dp) = toServer ? (client, server) : (server, client)
        frame += [UInt8(sp >> 8), UInt8(sp & 0xff), UInt8(dp >> 8), UInt8(dp & 0xff)]
        frame += Self.be32(seq) + Self.be32(flags & 0x10 != 0 ? ack : 0)
        frame += [0x50, flags, 0xff, 0xff, 0, 0, 0, 0]
        frame += payload
        time += 1000
        append32(UInt32(time / 1_000_000)); append32(UInt32(time % 1_000_000))
        append32(UInt32(frame.count)); append32(UInt32(frame.count))
        data.append(contentsOf: frame)
    }

    /// A whole connection: handshake, the given exchanges (request, response), FINs and ACKs.
    mutating func connection(client: UInt16, server: UInt16, exchanges: [([UInt8], [UInt8])]) {
        open(client: client, server: server)
        for (request, response) in exchanges {
            segment(client: client, server: server, toServer: true, flags: 0x18, payload: request)
            segment(client: client, server: server, toServer: false, flags: 0x18, payload: response)
            segment(client: client, server: server, toServer: true, flags: 0x10)
        }
        close(client: client, server: server)
    }

    mutating func open(client: UInt16, server: UInt16) {
        segment(client: client, server: server, toServer: true, flags: 0x02)
        segment(client: client, server: server, toServer: false, flags: 0x12)
        segment(client: client, server: server, toServer: true, flags: 0x10)
    }

    mutating func close(client: UInt16, server: UInt16) {
        segment(client: client, server: server, toServer: true, flags: 0x11)
        segment(client: client, server: server, toServer: false, flags: 0x11)
        segment(client: client, server: server, toServer: true, flags: 0x10)
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
    private mutating func append32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    private mutating func append16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
}
