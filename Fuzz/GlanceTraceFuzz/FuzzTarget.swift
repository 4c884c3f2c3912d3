import CaptureIO
import HTTPDecoding
import MySQLDecoding
import PacketDecoding
import Reassembly
import TLSDecoding
#if canImport(Glibc)
import Glibc
#endif

/// The decoders libFuzzer drives (Fuzz/README.md): each takes one input of untrusted bytes.
/// Stream decoders read an input as `StreamInput` (both directions of one connection).
enum FuzzTarget: String, CaseIterable {
    case capture
    case http
    case mysql
    case tls
    case fingerprint

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .capture: FuzzTarget.readCapture(bytes)
        case .http:
            let decoder = HTTPConnectionDecoder(connection: StreamInput.connection(serverPort: 9292)) { _ in }
            StreamInput(bytes).feed(decoder)
        case .mysql:
            let decoder = MySQLConnectionDecoder(connection: StreamInput.connection(serverPort: 3306)) { _ in }
            StreamInput(bytes).feed(decoder)
        case .tls:
            let inner = HTTPConnectionDecoder(connection: StreamInput.connection(serverPort: 13292)) { _ in }
            let decoder = TLSConnectionDecoder(connection: StreamInput.connection(serverPort: 13292), inner: inner)
            StreamInput(bytes).feed(decoder)
        case .fingerprint:
            _ = SQLFingerprint.of(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The capture reader only opens paths: the input goes to a file in /dev/shm (tmpfs), then
    /// every record is read and decoded down to TCP segments.
    private static let capturePath = "/dev/shm/glancetrace-fuzz-\(getpid()).pcap"

    static func readCapture(_ bytes: UnsafeRawBufferPointer) {
        guard let file = fopen(capturePath, "wb") else { return }
        if let base = bytes.baseAddress, !bytes.isEmpty { _ = fwrite(base, 1, bytes.count, file) }
        fclose(file)
        defer { unlink(capturePath) }
        guard let reader = try? openCapture(path: capturePath) else { return }
        let decoder = PacketDecoder()
        var records = 0
        while records < 100_000, let record = try? reader.next() {
            _ = decoder.decode(record)
            records &+= 1
        }
    }
}

/// One connection's two directions in one input: byte 0 picks the chunk size, bytes 1-2 (little
/// endian) the length of the client's bytes, which follow; the rest is the server's. Chunks
/// alternate client, server, so both directions interleave as on the wire.
struct StreamInput {
    var chunk: Int
    var client: UnsafeRawBufferPointer
    var server: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 3 else {
            chunk = 1
            client = UnsafeRawBufferPointer(rebasing: bytes[0..<0])
            server = bytes
            return
        }
        chunk = 1 &+ Int(bytes[0]) &* 23
        let length = min(Int(bytes[1]) | Int(bytes[2]) << 8, bytes.count &- 3)
        client = UnsafeRawBufferPointer(rebasing: bytes[3..<(3 &+ length)])
        server = UnsafeRawBufferPointer(rebasing: bytes[(3 &+ length)...])
    }

    static func connection(serverPort: UInt16) -> ConnectionInfo {
        ConnectionInfo(index: 0, client: Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: 40000),
                       server: Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: serverPort),
                       firstSeen: .zero, sawHandshake: true)
    }

    func feed(_ consumer: StreamConsumer) {
        var c = 0
        var s = 0
        var time = Timestamp(nanoseconds: 1_000_000_000)
        while c < client.count || s < server.count {
            if c < client.count {
                let end = min(c &+ chunk, client.count)
                consumer.receive(UnsafeRawBufferPointer(rebasing: client[c..<end]), direction: .clientToServer, at: time)
                c = end
            }
            if s < server.count {
                let end = min(s &+ chunk, server.count)
                consumer.receive(UnsafeRawBufferPointer(rebasing: server[s..<end]), direction: .serverToClient, at: time)
                s = end
            }
            time = time.adding(nanoseconds: 1000)
        }
        consumer.finished(direction: .clientToServer, at: time)
        consumer.close(reason: .fin, statistics: ConnectionStatistics(), at: time)
    }
}
