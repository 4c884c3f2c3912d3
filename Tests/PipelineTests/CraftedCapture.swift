import Foundation

/// A pcap written from scratch: Ethernet/IPv4/TCP conversations with handshakes, payloads at
/// chosen times and closes, for cases the test bed cannot stage on demand (two clients sending
/// the same request through a proxy at the same microsecond).
struct CraftedCapture {
    final class Connection {
        let client: (ip: [UInt8], port: UInt16)
        let server: (ip: [UInt8], port: UInt16)
        var clientSequence: UInt32 = 1000
        var serverSequence: UInt32 = 5000
        init(client: (ip: [UInt8], port: UInt16), server: (ip: [UInt8], port: UInt16)) {
            self.client = client
            self.server = server
        }
    }

    /// Frames by time in microseconds (ties keep the order they were added).
    private(set) var frames: [(time: Int64, order: Int, bytes: [UInt8])] = []

    /// Opens a connection with a three-way handshake starting at `time` (microseconds).
    mutating func connect(_ client: String, _ server: String, at time: Int64) -> Connection {
        let connection = Connection(client: Self.endpoint(client), server: Self.endpoint(server))
        add(connection, fromClient: true, flags: 0x02, payload: [], at: time)
        connection.clientSequence &+= 1
        add(connection, fromClient: false, flags: 0x12, payload: [], at: time + 10)
        connection.serverSequence &+= 1
        add(connection, fromClient: true, flags: 0x10, payload: [], at: time + 20)
        return connection
    }

    /// Sends `text` in one segment per `segment` bytes, all at `time`.
    mutating func send(_ connection: Connection, fromClient: Bool, _ text: String, at time: Int64, segment: Int = 1400) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let piece = Array(bytes[offset..<min(offset + segment, bytes.count)])
            add(connection, fromClient: fromClient, flags: 0x18, payload: piece, at: time)
            if fromClient { connection.clientSequence &+= UInt32(piece.count) } else { connection.serverSequence &+= UInt32(piece.count) }
            offset += piece.count
        }
    }

    /// FIN from both ends at `time`.
    mutating func close(_ connection: Connection, at time: Int64) {
        add(connection, fromClient: true, flags: 0x11, payload: [], at: time)
        connection.clientSequence &+= 1
        add(connection, fromClient: false, flags: 0x11, payload: [], at: time + 10)
        connection.serverSequence &+= 1
        add(connection, fromClient: true, flags: 0x10, payload: [], at: time + 20)
    }

    func write(to path: String) throws {
        var data: [UInt8] = []
        func le32(_ v: UInt32) { data += (0..<4).map { UInt8(v >> (8 * $0) & 0xff) } }
        func le16(_ v: UInt16) { data += [UInt8(v & 0xff), UInt8(v >> 8)] }
        le32(0xa1b2_c3d4); le16(2); le16(4); le32(0); le32(0); le32(262_144); le32(1)
        for frame in frames.sorted(by: { ($0.time, $0.order) < ($1.time, $1.order) }) {
            le32(UInt32(frame.time / 1_000_000))
            le32(UInt32(frame.time % 1_000_000))
            le32(UInt32(frame.bytes.count))
            le32(UInt32(frame.bytes.count))
            data += frame.bytes
        }
        try Data(data).write(to: URL(fileURLWithPath: path))
    }

    private mutating func add(_ c: Connection, fromClient: Bool, flags: UInt8, payload: [UInt8], at time: Int64) {
        let (source, destination) = fromClient ? (c.client, c.server) : (c.server, c.client)
        let sequence = fromClient ? c.clientSequence : c.serverSequence
        let acknowledgement = fromClient ? c.serverSequence : c.clientSequence
        var frame: [UInt8] = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00]
        var ip: [UInt8] = [0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0] + source.ip + destination.ip
        let total = 20 + 20 + payload.count
        ip[2] = UInt8(total >> 8)
        ip[3] = UInt8(total & 0xff)
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(ip[i]) << 8 | UInt32(ip[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        ip[10] = UInt8(~sum >> 8 & 0xff)
        ip[11] = UInt8(~sum & 0xff)
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * (3 - $0)) & 0xff) } }
        let ackFlag: UInt8 = flags == 0x02 ? 0 : 0x10
        let tcp = be16(source.port) + be16(destination.port) + be32(sequence) + be32(flags == 0x02 ? 0 : acknowledgement)
            + [0x50, flags | ackFlag] + be16(65535) + [0, 0, 0, 0]
        frame += ip + tcp + payload
        frames.append((time, frames.count, frame))
    }

    static func endpoint(_ text: String) -> (ip: [UInt8], port: UInt16) {
        let parts = text.split(separator: ":")
        return (parts[0].split(separator: ".").map { UInt8($0) ?? 0 }, UInt16(parts[1]) ?? 0)
    }
}
