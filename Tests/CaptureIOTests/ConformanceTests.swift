import Foundation
import TestSupport
import Testing
@testable import CaptureIO

/// The pcapng-test-generator suite (`../shared/conformance/pcapng`), checked against tshark.
@Suite struct ConformanceTests {
    static let root = CaptureFiles.shared.appendingPathComponent("conformance/pcapng")

    /// `le/basic/test001` and the like, listed from the recorded expectations so the list does not
    /// depend on the shared folder being there.
    static let files: [String] = {
        var names: [String] = []
        for order in ["le", "be"] {
            for category in ["basic", "advanced", "difficult"] {
                let dir = CaptureFiles.expected.appendingPathComponent("conformance/\(order)/\(category)")
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
                names += entries.filter { $0.hasSuffix(".tsv") }.sorted()
                    .map { "\(order)/\(category)/\($0.dropLast(4))" }
            }
        }
        return names
    }()

    /// One packet as tshark reports it: time in ns (nil: the block has none), lengths, and the
    /// section-relative interface id.
    struct Expected: Equatable {
        var nanoseconds: Int64?
        var originalLength: Int
        var capturedLength: Int
        var interface: Int
    }

    /// Parses tshark's `-T fields` lines. tshark 4.0 lists custom blocks (CB/DCB) as records with
    /// no interface; they are not packets, and the native reader skips them, so they are dropped.
    static func parse(_ text: String) -> [Expected] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 4, let interface = Int(f[3]), let len = Int(f[1]), let cap = Int(f[2]) else { return nil }
            return Expected(nanoseconds: f[0].isEmpty ? nil : CaptureFiles.nanoseconds(epoch: f[0]),
                            originalLength: len, capturedLength: cap, interface: interface)
        }
    }

    /// What the native reader gives, in tshark's terms. SPBs carry no time: tshark prints none and
    /// the reader (like libpcap) reports zero, so zero is compared as "none" only for SPBs.
    static func actual(_ path: String) -> (records: [Expected], result: ReadResult) {
        let result = readAll(path: path)
        var out: [Expected] = []
        for (record, index) in zip(result.records, result.interfaceIndices) {
            let interface = result.interfaces[index]
            let firstOfSection = result.interfaces.firstIndex { $0.section == interface.section } ?? 0
            out.append(Expected(nanoseconds: record.nanoseconds, originalLength: record.originalLength,
                                capturedLength: record.capturedLength, interface: index - firstOfSection))
        }
        return (out, result)
    }

    static func matches(_ actual: [Expected], _ expected: [Expected]) -> Bool {
        guard actual.count == expected.count else { return false }
        return zip(actual, expected).allSatisfy { a, e in
            a.originalLength == e.originalLength && a.capturedLength == e.capturedLength && a.interface == e.interface
                && a.nanoseconds == (e.nanoseconds ?? 0)
        }
    }

    @Test("native reader equals recorded tshark output", arguments: files)
    func recorded(_ name: String) throws {
        let path = Self.root.appendingPathComponent("\(name).pcapng").path
        guard CaptureFiles.exists(path) else { return } // shared conformance files absent: nothing to read
        let text = try String(contentsOfFile: CaptureFiles.expected.appendingPathComponent("conformance/\(name).tsv").path,
                              encoding: .utf8)
        let expected = Self.parse(text)
        let (records, result) = Self.actual(path)
        #expect(result.error == nil, "\(name): \(String(describing: result.error))")
        #expect(result.warning == nil, "\(name): \(String(describing: result.warning))")
        #expect(records.count == expected.count, "\(name): packet count")
        #expect(Self.matches(records, expected), "\(name):\n\(records)\nexpected\n\(expected)")
    }

    /// tshark takes about a second to start, so the live rerun covers the files that exercise the
    /// most (several sections, all block types, if_tsresol, SPB snaplen); the recorded test covers all.
    static let liveFiles = files.filter {
        $0.contains("difficult") || $0.contains("advanced") || $0.hasSuffix("test008") || $0.hasSuffix("test012")
    }

    @Test("native reader equals tshark run now", arguments: liveFiles)
    func live(_ name: String) throws {
        let path = Self.root.appendingPathComponent("\(name).pcapng").path
        guard CaptureFiles.exists(path), let tshark = ExternalTool.path("tshark") else { return } // no tshark: recorded test covers it
        let output = try #require(CaptureFiles.run(tshark, ["-r", path, "-T", "fields", "-e", "frame.time_epoch",
                                                           "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.interface_id"]))
        let (records, _) = Self.actual(path)
        #expect(Self.matches(records, Self.parse(output)), "\(name)")
    }

    /// Every file libpcap reads to the end gives the same records through both readers. libpcap
    /// refuses files whose interfaces differ in link type and sections of another byte order,
    /// which is why only part of the suite is compared; the count guards against a libpcap upgrade
    /// silently shrinking it.
    @Test("native and libpcap agree on the conformance files libpcap reads")
    func againstLibpcap() throws {
        var compared = 0
        for name in Self.files {
            let path = Self.root.appendingPathComponent("\(name).pcapng").path
            guard CaptureFiles.exists(path) else { continue }
            let reference = readAll(path: path, reader: .libpcap)
            guard reference.error == nil, reference.warning == nil else { continue }
            let native = readAll(path: path)
            #expect(native.records == reference.records, "\(name)")
            compared += 1
        }
        if CaptureFiles.exists(Self.root.path) { #expect(compared >= 20, "only \(compared) files compared") }
    }
}
