import Foundation
import TestSupport

/// A pcap written from scratch (with `PcapWriter` and `TCPFrame` of TestSupport): Ethernet/IPv4/TCP conversations with handshakes, payloads at
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
        var pcap = PcapWriter()
        for frame in frames.sorted(by: { ($0.time, $0.order) < ($1.time, $1.order) }) {
            pcap.append(frame.bytes, microseconds: frame.time)
        }
        try pcap.write(to: path)
    }

    private mutating func add(_ c: Connection, fromClient: Bool, flags: UInt8, payload: [UInt8], at time: Int64) {
        let (source, destination) = fromClient ? (c.client, c.server) : (c.server, c.client)
        let sequence = fromClient ? c.clientSequence : c.serverSequence
        let acknowledgement = fromClient ? c.serverSequence : c.clientSequence
        // Every segment but the first SYN acknowledges the other side.
        let frame = TCPFrame.ethernetIPv4(source: source.ip, sourcePort: source.port, destination: destination.ip,
                                          destinationPort: destination.port, sequence: sequence, acknowledgement: acknowledgement,
                                          flags: flags == TCPFrame.syn ? flags : flags | TCPFrame.ack, payload: payload)
        frames.append((time, frames.count, frame))
    }

    static func endpoint(_ text: String) -> (ip: [UInt8], port: UInt16) {
        let parts = text.split(separator: ":")
        return (parts[0].split(separator: ".").map { UInt8($0) ?? 0 }, UInt16(parts[1]) ?? 0)
    }
}
