import Foundation

/// Writes small Ethernet/IPv4/TCP pcaps of HTTP conversations whose bytes a test chooses: a
/// client, Glance and Swift on 127.0.0.1, each message cut into segments of at most 1448 bytes,
/// 50 µs apart, in the order the test sends them (so a Swift call can lie inside a Glance request).
struct StoreCaptureBuilder {
    private(set) var data = Data()
    private var micros: Int64 = 1_796_000_000_000_000
    private var sequences: [String: UInt32] = [:]

    init() {
        for value: UInt32 in [0xa1b2_c3d4] { append32(value) }
        append16(2); append16(4); append32(0); append32(0); append32(262_144); append32(1)
    }

    /// Opens a connection from `client` port to `server` port (three-way handshake).
    mutating func open(_ client: UInt16, _ server: UInt16) {
        segment(client, server, toServer: true, flags: 0x02)
        segment(client, server, toServer: false, flags: 0x12)
        segment(client, server, toServer: true, flags: 0x10)
    }

    /// Sends `bytes` in one direction, acknowledged by the other side.
    mutating func send(_ client: UInt16, _ server: UInt16, toServer: Bool, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 1448)
            segment(client, server, toServer: toServer, flags: 0x18, payload: Array(bytes[offset..<end]))
            offset = end
        }
        segment(client, server, toServer: !toServer, flags: 0x10)
    }

    mutating func send(_ client: UInt16, _ server: UInt16, toServer: Bool, _ text: String) {
        send(client, server, toServer: toServer, Array(text.utf8))
    }

    mutating func close(_ client: UInt16, _ server: UInt16) {
        segment(client, server, toServer: true, flags: 0x11)
        segment(client, server, toServer: false, flags: 0x11)
        segment(client, server, toServer: true, flags: 0x10)
    }

    private mutating func segment(_ client: UInt16, _ server: UInt16, toServer: Bool, flags: UInt8, payload: [UInt8] = []) {
        let key = "\(client)-\(server)-\(toServer)", back = "\(client)-\(server)-\(!toServer)"
        let sequence = sequences[key, default: toServer ? 1000 : 5000]
        sequences[key] = sequence &+ UInt32(payload.count) &+ (flags & 0x03 != 0 ? 1 : 0)
        let ack = sequences[back, default: toServer ? 5000 : 1000]
        var frame: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]
        let total = 40 + payload.count
        frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
        let (source, destination) = toServer ? (client, server) : (server, client)
        frame += [UInt8(source >> 8), UInt8(source & 0xff), UInt8(destination >> 8), UInt8(destination & 0xff)]
        frame += Self.be32(sequence) + Self.be32(flags & 0x10 != 0 ? ack : 0)
        frame += [0x50, flags, 0xff, 0xff, 0, 0, 0, 0] + payload
        micros += 50
        append32(UInt32(micros / 1_000_000)); append32(UInt32(micros % 1_000_000))
        append32(UInt32(frame.count)); append32(UInt32(frame.count))
        data.append(contentsOf: frame)
    }

    private static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    private mutating func append16(_ v: UInt16) { data.append(contentsOf: [UInt8(v & 0xff), UInt8(v >> 8)]) }
    private mutating func append32(_ v: UInt32) { data.append(contentsOf: (0..<4).map { UInt8(v >> (8 * $0) & 0xff) }) }

    func write(to path: String) throws { try data.write(to: URL(fileURLWithPath: path)) }
}
