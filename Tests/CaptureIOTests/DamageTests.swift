import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// Truncated, damaged and foreign files: every record before the damage, then one warning that
/// names the file and the offset; files that are no capture at all throw `.notACapture`.
@Suite struct DamageTests {
    /// Small inputs of each kind: the first 30 records of the slim fixture (little-endian pcap),
    /// the same byte-swapped, and the constructed pcapng with sections of both byte orders.
    static func inputs() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        let slim = CaptureFiles.read(CaptureFiles.fixtures.appendingPathComponent("captures/a-seed-slim.pcap").path)
        if let layout = CaptureLayout(slim) {
            let small = layout.prefix(slim, units: 31)
            out.append(("pcap", small))
            if let swapped = PcapByteSwapper.swap(small) { out.append(("pcap-be", swapped)) }
        }
        out.append(("pcapng", PcapngFeatureTests.build().bytes))
        return out
    }

    /// Offsets worth cutting at: every byte of the first units, and a few bytes around every
    /// later boundary (all of them would take minutes in a debug build for no new path).
    static func cutOffsets(_ layout: CaptureLayout, size: Int) -> [Int] {
        var cuts = Set<Int>()
        let dense = min(layout.units.count > 2 ? layout.units[2].end : size, 700)
        for c in 0...min(dense, size) { cuts.insert(c) }
        for unit in layout.units {
            for d in [-5, -4, -1, 0, 1, 4, 13, 16, 17] where unit.start + d >= 0 && unit.start + d <= size {
                cuts.insert(unit.start + d)
            }
            cuts.insert((unit.start + unit.end) / 2)
        }
        cuts.insert(size)
        return cuts.sorted()
    }

    @Test("a file cut at any offset yields the records before the cut, then one warning at the cut record")
    func truncation() throws {
        let dir = CaptureFiles.temporaryDirectory("cut")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, bytes) in Self.inputs() {
            let layout = try #require(CaptureLayout(bytes), "\(label)")
            let full = readAll(path: { let p = dir.appendingPathComponent("full").path; CaptureFiles.write(bytes, to: p); return p }())
            #expect(full.warning == nil && full.error == nil)
            let path = dir.appendingPathComponent("cut-\(label)").path
            let gzPath = path + ".gz"
            for cut in Self.cutOffsets(layout, size: bytes.count) {
                let piece = Array(bytes.prefix(cut))
                CaptureFiles.write(piece, to: path)
                let packetsBefore = layout.units.filter { $0.isPacket && $0.end <= cut }.count
                let broken = layout.units.first { $0.start < cut && cut < $0.end }
                // gzip of the cut file: the same expectations through the streaming path, checked
                // on a sample of the cuts to keep the debug run short.
                let checkGzip = cut % 7 == 0 || broken == nil
                if checkGzip { CaptureFiles.write(gzip(piece), to: gzPath) }
                for (kind, p) in [("mapped", path)] + (checkGzip ? [("gzip", gzPath)] : []) {
                    let result = readAll(path: p)
                    if cut < layout.units[0].end {
                        // Inside the file header or first SHB: not a capture we can read at all.
                        #expect(result.error?.kind == .notACapture, "\(label) \(kind) cut \(cut)")
                        continue
                    }
                    #expect(result.error == nil, "\(label) \(kind) cut \(cut)")
                    #expect(result.records == Array(full.records.prefix(packetsBefore)), "\(label) \(kind) cut \(cut)")
                    if let broken {
                        #expect(result.warning?.offset == broken.start, "\(label) \(kind) cut \(cut)")
                        #expect(result.warning?.path == p)
                        #expect(result.warning?.message.contains("truncated") == true)
                    } else {
                        #expect(result.warning == nil, "\(label) \(kind) cut \(cut): \(String(describing: result.warning))")
                    }
                }
            }
        }
    }

    @Test("a cut gzip stream yields a prefix of the records and one warning")
    func truncatedGzip() throws {
        let dir = CaptureFiles.temporaryDirectory("cutgz")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, bytes) in Self.inputs() {
            let full = readAll(path: { let p = dir.appendingPathComponent("full").path; CaptureFiles.write(bytes, to: p); return p }())
            let compressed = gzip(bytes)
            let path = dir.appendingPathComponent("cut.gz").path
            for cut in stride(from: 0, to: compressed.count, by: max(1, compressed.count / 97)) {
                CaptureFiles.write(Array(compressed.prefix(cut)), to: path)
                let result = readAll(path: path)
                if let error = result.error {
                    #expect(error.kind == .notACapture, "\(label) cut \(cut): \(error)")
                    continue
                }
                #expect(result.records == Array(full.records.prefix(result.records.count)), "\(label) cut \(cut)")
                #expect(result.warning != nil, "\(label) cut \(cut)")
            }
        }
    }

    @Test("a damaged length field stops reading at that record, keeping all before")
    func damagedLength() throws {
        let dir = CaptureFiles.temporaryDirectory("damage")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, bytes) in Self.inputs() {
            let layout = try #require(CaptureLayout(bytes))
            let full = readAll(path: { let p = dir.appendingPathComponent("full").path; CaptureFiles.write(bytes, to: p); return p }())
            let packets = layout.units.filter(\.isPacket)
            for (k, unit) in packets.enumerated() {
                var damaged = bytes
                // pcap: the captured length; pcapng: the block's leading total length.
                let field = label.hasPrefix("pcapng") ? unit.start + 4 : unit.start + 8
                for i in 0..<4 { damaged[field + i] = 0xF7 }
                let path = dir.appendingPathComponent("damaged").path
                CaptureFiles.write(damaged, to: path)
                let result = readAll(path: path)
                #expect(result.records == Array(full.records.prefix(k)), "\(label) packet \(k)")
                #expect(result.warning?.offset == unit.start, "\(label) packet \(k)")
                #expect(result.warning?.description.contains(path) == true)
            }
        }
    }

    @Test("files that are not captures throw notACapture naming the file")
    func notACapture() throws {
        let dir = CaptureFiles.temporaryDirectory("garbage")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 7)
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("three bytes", [0xd4, 0xc3, 0xb2]),
            ("text", Array("GET / HTTP/1.1\r\nHost: example\r\n\r\n".utf8)),
            ("random", (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }),
            ("gzip of text", gzip(Array("hello, this is not a capture\n".utf8))),
            ("gzip header then garbage", [0x1f, 0x8b, 0x08, 0x00] + (0..<200).map { _ in UInt8(truncatingIfNeeded: rng.next()) }),
            ("pcap magic, short header", [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]),
            ("pcap magic, bad version", [0xd4, 0xc3, 0xb2, 0xa1, 9, 0, 4, 0] + [UInt8](repeating: 0, count: 16)),
            ("pcapng magic, bad byte order", [0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4] + [UInt8](repeating: 0, count: 16)),
        ]
        for (label, bytes) in cases {
            let path = dir.appendingPathComponent(label).path
            CaptureFiles.write(bytes, to: path)
            do {
                _ = try NativeCaptureReader(path: path)
                Issue.record("\(label): opened")
            } catch {
                #expect(error.kind == .notACapture, "\(label): \(error)")
                #expect(error.description.hasPrefix(path), "\(label): \(error)")
            }
        }
        do {
            _ = try NativeCaptureReader(path: dir.appendingPathComponent("missing").path)
            Issue.record("a missing file opened")
        } catch {
            #expect(error.kind == .unreadable)
        }
        do {
            _ = try openCapture(path: dir.path)
            Issue.record("a directory opened")
        } catch {
            #expect(error.kind == .unreadable)
        }
    }

    @Test("libpcap reader refuses gzip with advice to use the native reader")
    func libpcapOnGzip() throws {
        let dir = CaptureFiles.temporaryDirectory("lpgz")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.pcapng.gz").path
        CaptureFiles.write(gzip(PcapngFeatureTests.build().bytes), to: path)
        do {
            _ = try openCapture(path: path, reader: .libpcap)
            Issue.record("libpcap opened a gzip file")
        } catch {
            #expect(error.message.contains("native"))
            #expect(error.description.hasPrefix(path))
        }
        #expect(readAll(path: path, reader: .native).records.count == PcapngFeatureTests.build().packets.count)
    }
}

