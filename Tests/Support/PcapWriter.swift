import Foundation

/// A classic pcap file built in memory (little-endian, microsecond timestamps, version 2.4),
/// as tcpdump writes them: the one place the tests write the format by hand.
public struct PcapWriter {
    public private(set) var bytes: [UInt8]

    /// A file header for `linkType` (1: Ethernet).
    public init(linkType: UInt32 = 1, snapLength: UInt32 = 262_144) {
        bytes = []
        appendLittleEndian(0xa1b2_c3d4)
        bytes += [2, 0, 4, 0]
        for field in [0, 0, snapLength, linkType] { appendLittleEndian(field) }
    }

    /// Keeps a header read from another file (its 24 bytes, as they were).
    public init(header: [UInt8]) { bytes = header }

    /// One record: `fraction` in the file's unit (microseconds here); the original length is
    /// the frame's unless a snap length cut it.
    public mutating func append(_ frame: [UInt8], seconds: UInt32, fraction: UInt32, originalLength: Int? = nil) {
        for field in [seconds, fraction, UInt32(frame.count), UInt32(originalLength ?? frame.count)] { appendLittleEndian(field) }
        bytes += frame
    }

    /// One record at `microseconds` since the epoch.
    public mutating func append(_ frame: [UInt8], microseconds: Int64) {
        append(frame, seconds: UInt32(microseconds / 1_000_000), fraction: UInt32(microseconds % 1_000_000))
    }

    public var data: Data { Data(bytes) }

    public func write(to path: String) throws { try data.write(to: URL(fileURLWithPath: path)) }

    private mutating func appendLittleEndian(_ value: UInt32) {
        bytes += (0..<4).map { UInt8(value >> (8 * $0) & 0xff) }
    }
}

extension PcapWriter {
    /// The same classic pcap file with every header field (file and record headers) in the
    /// other byte order, as a host of the other endianness writes it.
    public static func byteSwapped(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        func swap(_ offset: Int, _ width: Int) { out[offset..<offset + width].reverse() }
        swap(0, 4); swap(4, 2); swap(6, 2)
        for field in stride(from: 8, to: 24, by: 4) { swap(field, 4) }
        var offset = 24
        while offset + 16 <= bytes.count {
            let caplen = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16 | Int(bytes[offset + 11]) << 24
            for field in stride(from: offset, to: offset + 16, by: 4) { swap(field, 4) }
            offset += 16 + caplen
        }
        return out
    }
}
