import Foundation
import TestSupport
import Testing
import CZlib
@testable import CaptureIO

/// pcapng features the conformance suite lacks, in files built from the specification, checked
/// against values computed by hand and, when installed, against tshark and editcap.
@Suite struct PcapngFeatureTests {
    struct Packet {
        var nanoseconds: Int64
        var interfaceIndex: Int
        var linkType: UInt32
        var data: [UInt8]
        var originalLength: Int
    }

    /// Three sections (little-, big-, little-endian), four interfaces with 2^-9, 10^-9, 2^-20 and
    /// default resolutions, offsets of +1000 s and -5 s, every packet block type, DSB, NRB, ISB, CB.
    static func build() -> (bytes: [UInt8], packets: [Packet]) {
        var b = PcapngBuilder()
        var packets: [Packet] = []
        let frame = PcapngBuilder.frame

        b.section(bigEndian: false)
        b.custom(Array("before any interface".utf8))
        b.interface(linkType: 1, snapLength: 0, tsresol: 0x89, tsoffset: 1000, name: "eth0") // 512 units/s
        b.interface(linkType: 101, snapLength: 0, tsresol: 9, tsoffset: -5)
        b.nameResolution()
        let f1 = frame(60, 1)
        b.enhancedPacket(interface: 0, timestamp: 512 * 1_600_000_000 + 256, data: f1)
        packets.append(Packet(nanoseconds: (1_600_000_000 + 1000) * 1_000_000_000 + 500_000_000,
                              interfaceIndex: 0, linkType: 1, data: f1, originalLength: 60))
        b.secrets(type: DecryptionSecrets.tlsKeyLogType, Array("CLIENT_RANDOM 00 11\n".utf8))
        var ip = [UInt8](repeating: 0, count: 40)
        ip[0] = 0x45; ip[3] = 40; ip[8] = 64; ip[9] = 17
        b.enhancedPacket(interface: 1, timestamp: 1_600_000_000_123_456_789, data: ip)
        packets.append(Packet(nanoseconds: 1_600_000_000_123_456_789 - 5_000_000_000,
                              interfaceIndex: 1, linkType: 101, data: ip, originalLength: 40))
        b.statistics(interface: 0)

        b.section(bigEndian: true)
        b.interface(linkType: 113, snapLength: 64, tsresol: 0x80 | 20) // 2^20 units/s
        let f2 = frame(64, 2)
        b.enhancedPacket(interface: 0, timestamp: (1_600_000_100 << 20) + (1 << 19) + 1, data: f2, originalLength: 100)
        // 1/2^20 s is 953.67 ns: truncated to 953, as Wireshark and libpcap do.
        packets.append(Packet(nanoseconds: 1_600_000_100_500_000_953, interfaceIndex: 2, linkType: 113,
                              data: f2, originalLength: 100))
        // SPBs hold min(original length, snaplen) bytes: 64 of 100, then all of a 40-byte packet.
        let f3 = frame(64, 3)
        b.simplePacket(data: f3, originalLength: 100)
        packets.append(Packet(nanoseconds: 0, interfaceIndex: 2, linkType: 113, data: f3, originalLength: 100))
        let f6 = frame(40, 6)
        b.simplePacket(data: f6, originalLength: 40)
        packets.append(Packet(nanoseconds: 0, interfaceIndex: 2, linkType: 113, data: f6, originalLength: 40))
        let f4 = frame(30, 4)
        b.obsoletePacket(interface: 0, timestamp: 1_600_000_200 << 20, data: f4)
        packets.append(Packet(nanoseconds: 1_600_000_200_000_000_000, interfaceIndex: 2, linkType: 113,
                              data: f4, originalLength: 30))
        b.custom([1, 2, 3])

        b.section(bigEndian: false)
        b.interface(linkType: 1, snapLength: 0)
        let f5 = frame(60, 5)
        b.enhancedPacket(interface: 0, timestamp: 1_600_000_300_000_001, data: f5)
        packets.append(Packet(nanoseconds: 1_600_000_300_000_001_000, interfaceIndex: 3, linkType: 1,
                              data: f5, originalLength: 60))
        return (b.bytes, packets)
    }

    static func check(_ reader: any CaptureReader, _ expected: [Packet]) throws {
        var index = 0
        while let record = try reader.next() {
            guard index < expected.count else { Issue.record("extra record"); return }
            let e = expected[index]
            #expect(record.timestamp.nanoseconds == e.nanoseconds, "packet \(index)")
            #expect(record.interfaceIndex == e.interfaceIndex, "packet \(index)")
            #expect(record.linkType.rawValue == e.linkType, "packet \(index)")
            #expect(Array(record.bytes) == e.data, "packet \(index)")
            #expect(record.originalLength == e.originalLength, "packet \(index)")
            index += 1
        }
        #expect(index == expected.count)
        #expect(reader.warning == nil)
        let interfaces = reader.interfaces
        #expect(interfaces.map(\.linkType.rawValue) == [1, 101, 113, 1])
        #expect(interfaces.map(\.section) == [0, 0, 1, 2])
        #expect(interfaces.map(\.timestampUnitsPerSecond) == [512, 1_000_000_000, 1 << 20, 1_000_000])
        #expect(interfaces.map(\.timestampOffsetSeconds) == [1000, -5, 0, 0])
        #expect(interfaces.map(\.snapLength) == [0, 0, 64, 0])
        #expect(interfaces.first?.name == "eth0")
        #expect(reader.linkTypes.map(\.rawValue) == [1, 101, 113])
        #expect(reader.secrets.count == 1)
        #expect(reader.secrets.first?.type == DecryptionSecrets.tlsKeyLogType)
        #expect(reader.secrets.first.map { String(decoding: $0.data, as: UTF8.self) } == "CLIENT_RANDOM 00 11\n")
    }

    @Test("every pcapng block type, if_tsresol 2^-n and 10^-n, if_tsoffset, sections of both byte orders")
    func constructed() throws {
        let (bytes, expected) = Self.build()
        let dir = CaptureFiles.temporaryDirectory("pcapng")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("built.pcapng").path
        CaptureFiles.write(bytes, to: path)
        let reader = try NativeCaptureReader(path: path)
        #expect(reader.info.format == .pcapng)
        #expect(reader.info.byteOrder == .littleEndian)
        #expect(reader.info.linkType == .ethernet)
        #expect(reader.info.compressed == false)
        try Self.check(reader, expected)
        #expect(reader.bytesConsumed == bytes.count)

        // The same file gzip-compressed reads the same through the streaming path.
        let gz = dir.appendingPathComponent("built.pcapng.gz").path
        CaptureFiles.write(gzip(bytes), to: gz)
        let streamed = try NativeCaptureReader(path: gz)
        #expect(streamed.info.compressed)
        try Self.check(streamed, expected)

        // tshark, when installed, agrees on every time and length (SPB: no time, we say 0).
        guard let tshark = ExternalTool.path("tshark") else { return }
        let out = try #require(CaptureFiles.run(tshark, ["-r", path, "-T", "fields", "-e", "frame.time_epoch",
                                                        "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.interface_id"]))
        let rows = ConformanceTests.parse(out)
        #expect(rows.map { $0.nanoseconds ?? 0 } == expected.map(\.nanoseconds))
        #expect(rows.map(\.capturedLength) == expected.map(\.data.count))
        #expect(rows.map(\.originalLength) == expected.map(\.originalLength))
    }

    /// editcap writes a real Decryption Secrets Block; the reader keeps it byte for byte.
    @Test("DSB written by editcap --inject-secrets is kept in secrets")
    func injectedSecrets() throws {
        guard let editcap = ExternalTool.path("editcap") else { return } // needs editcap to write the DSB
        let dir = CaptureFiles.temporaryDirectory("dsb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let keylog = "CLIENT_RANDOM " + String(repeating: "ab", count: 32) + " " + String(repeating: "cd", count: 48) + "\n"
        let keyPath = dir.appendingPathComponent("keys.txt").path
        CaptureFiles.write(Array(keylog.utf8), to: keyPath)
        let input = CaptureFiles.fixtures.appendingPathComponent("captures/a-seed-slim.pcap").path
        let output = dir.appendingPathComponent("with-keys.pcapng").path
        try #require(CaptureFiles.run(editcap, ["-F", "pcapng", "--inject-secrets", "tls,\(keyPath)", input, output]) != nil)
        let native = readAll(path: output)
        let reference = readAll(path: input, reader: .libpcap)
        #expect(native.warning == nil && native.error == nil)
        #expect(native.records == reference.records)
        let reader = try NativeCaptureReader(path: output)
        while try reader.next() != nil {}
        #expect(reader.secrets.count == 1)
        #expect(reader.secrets.first?.type == DecryptionSecrets.tlsKeyLogType)
        #expect(reader.secrets.first.map { String(decoding: $0.data, as: UTF8.self) } == keylog)
    }
}

/// gzip-compresses in memory with zlib (windowBits 15 + 16 selects the gzip wrapper).
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    // zlib keeps a pointer back to the z_stream: it must not move between calls.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    guard deflateInit2_(stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                        Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
    defer { deflateEnd(stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))) + 64)
    let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
        output.withUnsafeMutableBufferPointer { outBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = uInt(inBuf.count)
            stream.pointee.next_out = outBuf.baseAddress
            stream.pointee.avail_out = uInt(outBuf.count)
            guard deflate(stream, Z_FINISH) == Z_STREAM_END else { return 0 }
            return outBuf.count - Int(stream.pointee.avail_out)
        }
    }
    return Array(output.prefix(produced))
}
