import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// The real Glance captures in `../shared/captures`, in every form the native reader must read,
/// each compared record by record with libpcap reading the original.
@Suite struct RealCaptureTests {
    static let scenarios = ["a-seed", "b-sequential", "e-lifecycle"]

    static func capture(_ scenario: String) -> String {
        CaptureFiles.shared.appendingPathComponent("captures/\(scenario)/capture.pcap").path
    }

    @Test("native equals libpcap on the capture converted by editcap, gzip and byte-swapping", arguments: scenarios)
    func conversions(_ scenario: String) throws {
        let original = Self.capture(scenario)
        guard CaptureFiles.exists(original) else { return } // shared captures absent
        let reference = readAll(path: original, reader: .libpcap)
        #expect(reference.error == nil && reference.warning == nil)
        #expect(reference.records.count > 1000)

        if let capinfos = ExternalTool.path("capinfos"),
           let out = CaptureFiles.run(capinfos, ["-c", "-M", original]),
           let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Number of packets") }),
           let count = line.split(separator: " ").last.flatMap({ Int($0) }) {
            #expect(reference.records.count == count, "capinfos counts \(count)")
        }

        let dir = CaptureFiles.temporaryDirectory(scenario)
        defer { try? FileManager.default.removeItem(at: dir) }
        var variants: [(String, String)] = [("original", original)]

        let swapped = dir.appendingPathComponent("big-endian.pcap").path
        let bytes = CaptureFiles.read(original)
        let swappedBytes = try #require(PcapByteSwapper.swap(bytes))
        CaptureFiles.write(swappedBytes, to: swapped)
        variants.append(("big-endian", swapped))
        // The swapper itself is checked by libpcap reading its output.
        #expect(readAll(path: swapped, reader: .libpcap).records == reference.records)

        let gz = dir.appendingPathComponent("capture.pcap.gz").path
        CaptureFiles.write(gzip(bytes), to: gz)
        variants.append(("gzip", gz))

        if let editcap = ExternalTool.path("editcap") {
            for format in ["nsecpcap", "pcapng", "modpcap"] {
                let out = dir.appendingPathComponent("capture.\(format)").path
                if CaptureFiles.run(editcap, ["-F", format, original, out]) != nil { variants.append((format, out)) }
                else { Issue.record("editcap -F \(format) failed") }
            }
            if let ng = variants.first(where: { $0.0 == "pcapng" }) {
                let ngz = dir.appendingPathComponent("capture.pcapng.gz").path
                CaptureFiles.write(gzip(CaptureFiles.read(ng.1)), to: ngz)
                variants.append(("pcapng.gz", ngz))
            }
        }

        #expect(variants.count == (ExternalTool.path("editcap") == nil ? 3 : 7))
        for (label, path) in variants {
            let native = readAll(path: path)
            #expect(native.error == nil, "\(label): \(String(describing: native.error))")
            #expect(native.warning == nil, "\(label): \(String(describing: native.warning))")
            #expect(native.records.count == reference.records.count, "\(label)")
            if let i = native.records.indices.first(where: { $0 < reference.records.count && native.records[$0] != reference.records[$0] }) {
                Issue.record("\(label): record \(i) differs: \(native.records[i]) vs \(reference.records[i])")
            }
        }
    }

    @Test("info and progress of a real capture")
    func infoAndProgress() throws {
        let path = Self.capture("a-seed")
        guard CaptureFiles.exists(path) else { return }
        let reader = try NativeCaptureReader(path: path)
        #expect(reader.info.format == .pcap)
        #expect(reader.info.byteOrder == .littleEndian)
        #expect(reader.info.linkType == .ethernet)
        #expect(reader.interfaces.count == 1)
        var last = 0
        var monotonic = true
        while try reader.next() != nil {
            monotonic = monotonic && reader.bytesConsumed >= last
            last = reader.bytesConsumed
        }
        #expect(monotonic)
        #expect(reader.bytesConsumed == reader.fileSize)
    }
}

/// Rewrites a classic pcap file in the opposite byte order: the file header and every record
/// header; packet bytes are left as they are (they are not in the file's byte order).
enum PcapByteSwapper {
    static func swap(_ input: [UInt8]) -> [UInt8]? {
        guard input.count >= 24 else { return nil }
        var out = input
        func swap32(_ at: Int) { out[at..<at + 4].reverse() }
        func swap16(_ at: Int) { out[at..<at + 2].reverse() }
        let little = input[0] == 0xd4 || input[0] == 0x4d
        swap32(0); swap16(4); swap16(6); swap32(8); swap32(12); swap32(16); swap32(20)
        var offset = 24
        while offset + 16 <= input.count {
            let field = input[offset + 8..<offset + 12]
            let caplen = little ? field.reversed().reduce(0) { $0 << 8 | Int($1) } : field.reduce(0) { $0 << 8 | Int($1) }
            for i in 0..<4 { swap32(offset + 4 * i) }
            offset += 16 + caplen
        }
        return offset == input.count ? out : nil
    }
}

/// Test 3: the two readers agree on the project's own fixtures.
@Suite struct FixtureAgreementTests {
    @Test("native and libpcap give identical records on every fixture capture")
    func fixtures() throws {
        let dir = CaptureFiles.fixtures.appendingPathComponent("captures")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        #expect(!names.isEmpty)
        for name in names {
            let path = dir.appendingPathComponent(name).path
            let reference = readAll(path: path, reader: .libpcap)
            let native = readAll(path: path)
            #expect(reference.error == nil && native.error == nil, "\(name)")
            #expect(native.warning == nil, "\(name)")
            #expect(native.records.count == reference.records.count, "\(name)")
            #expect(native.records == reference.records, "\(name)")
        }
    }
}
