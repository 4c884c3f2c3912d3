import Foundation

/// A pcap of TCP conversations between two hosts, written segment by segment in the order a
/// test sends them, for traffic that must be exact: sequence numbers follow per direction
/// (a connection's client starts at 1000, its server at 5000), each packet `step` µs after the last.
public struct TCPConversationCapture {
    public private(set) var pcap = PcapWriter()
    private let clientAddress: [UInt8]
    private let serverAddress: [UInt8]
    private let step: Int64
    private var microseconds: Int64
    private var sequences: [String: UInt32] = [:]

    public init(client: [UInt8] = [10, 0, 0, 1], server: [UInt8] = [10, 0, 0, 2],
                start: Int64 = 1_700_000_000_000_000, step: Int64 = 1000) {
        clientAddress = client
        serverAddress = server
        microseconds = start
        self.step = step
    }

    public var data: Data { pcap.data }

    public func write(to path: String) throws { try pcap.write(to: path) }

    /// One segment between client port `client` and server port `server`, either way.
    /// Sequence numbers follow per direction unless `sequence` overrides (retransmissions).
    public mutating func segment(client: UInt16, server: UInt16, toServer: Bool, flags: UInt8, payload: [UInt8] = [],
                                 sequence: UInt32? = nil) {
        let key = "\(client)-\(server)-\(toServer)", back = "\(client)-\(server)-\(!toServer)"
        let next = sequence ?? sequences[key, default: toServer ? 1000 : 5000]
        if sequence == nil {
            sequences[key] = next &+ UInt32(payload.count) &+ (flags & (TCPFrame.syn | TCPFrame.fin) != 0 ? 1 : 0)
        }
        let (source, destination) = toServer ? (clientAddress, serverAddress) : (serverAddress, clientAddress)
        let (sourcePort, destinationPort) = toServer ? (client, server) : (server, client)
        microseconds += step
        pcap.append(TCPFrame.ethernetIPv4(source: source, sourcePort: sourcePort, destination: destination,
                                          destinationPort: destinationPort, sequence: next,
                                          acknowledgement: sequences[back, default: toServer ? 5000 : 1000],
                                          flags: flags, payload: payload),
                    microseconds: microseconds)
    }

    /// The three-way handshake.
    public mutating func open(client: UInt16, server: UInt16) {
        segment(client: client, server: server, toServer: true, flags: TCPFrame.syn)
        segment(client: client, server: server, toServer: false, flags: TCPFrame.syn | TCPFrame.ack)
        segment(client: client, server: server, toServer: true, flags: TCPFrame.ack)
    }

    /// FIN from both ends, and the last ACK.
    public mutating func close(client: UInt16, server: UInt16) {
        segment(client: client, server: server, toServer: true, flags: TCPFrame.fin | TCPFrame.ack)
        segment(client: client, server: server, toServer: false, flags: TCPFrame.fin | TCPFrame.ack)
        segment(client: client, server: server, toServer: true, flags: TCPFrame.ack)
    }

    /// `bytes` one way in segments of at most `segmentSize`, then the other side's ACK.
    public mutating func send(client: UInt16, server: UInt16, toServer: Bool, _ bytes: [UInt8], segmentSize: Int = 1448) {
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + segmentSize)
            segment(client: client, server: server, toServer: toServer, flags: TCPFrame.psh | TCPFrame.ack,
                    payload: Array(bytes[offset..<end]))
            offset = end
        }
        segment(client: client, server: server, toServer: !toServer, flags: TCPFrame.ack)
    }

    public mutating func send(client: UInt16, server: UInt16, toServer: Bool, _ text: String) {
        send(client: client, server: server, toServer: toServer, Array(text.utf8))
    }

    /// A whole connection: handshake, each (request, response) with the client's ACK, and close.
    public mutating func connection(client: UInt16, server: UInt16, exchanges: [([UInt8], [UInt8])]) {
        open(client: client, server: server)
        for (request, response) in exchanges {
            segment(client: client, server: server, toServer: true, flags: TCPFrame.psh | TCPFrame.ack, payload: request)
            segment(client: client, server: server, toServer: false, flags: TCPFrame.psh | TCPFrame.ack, payload: response)
            segment(client: client, server: server, toServer: true, flags: TCPFrame.ack)
        }
        close(client: client, server: server)
    }
}
