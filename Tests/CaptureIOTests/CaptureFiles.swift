import Foundation
import CZlib
@testable import CaptureIO
import TestSupport

/// Fixture paths, scratch files and tshark runs of the CaptureIO tests (the shared helpers are TestSupport's).
enum CaptureFiles {
    /// The shared folder: real captures and the pcapng conformance suite.
    static let shared = ProjectPaths.shared
    static let fixtures = ProjectPaths.fixtures
    static let expected = fixtures.appendingPathComponent("expected/capture")

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Runs a tool in UTC; its stdout, or nil when it fails. stdout may be redirected to a file.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], stdoutTo file: String? = nil) -> String? {
        guard let run = try? ExternalTool.run(tool, arguments, stdoutTo: file, environment: ["TZ": "UTC"]), run.status == 0 else {
            return nil
        }
        return run.output
    }

    static func temporaryDirectory(_ label: String) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("captureio-\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Plain stdio: FileManager's atomic write (temporary file, rename) costs more than the
    /// thousands of small reads the damage tests make.
    static func write(_ bytes: [UInt8], to path: String) {
        guard let file = fopen(path, "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func read(_ path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
    }

    /// Seconds with up to 9 decimals, as tshark prints `frame.time_epoch`, in nanoseconds.
    static func nanoseconds(epoch text: Substring) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard let seconds = Int64(parts[0]) else { return nil }
        var fraction: Int64 = 0
        if parts.count > 1 {
            let digits = String(parts[1].prefix(9))
            guard let f = Int64(digits) else { return nil }
            fraction = f
            for _ in digits.count..<9 { fraction *= 10 }
        }
        return seconds * 1_000_000_000 + fraction
    }
}

/// What a test compares of one record: everything but the memory it lives in.
struct RecordSummary: Equatable, CustomStringConvertible {
    var nanoseconds: Int64
    var originalLength: Int
    var capturedLength: Int
    var linkType: UInt32
    /// CRC-32 of the captured bytes: compares the bytes without keeping them.
    var crc: UInt

    init(_ record: CaptureRecord) {
        nanoseconds = record.timestamp.nanoseconds
        originalLength = record.originalLength
        capturedLength = record.capturedLength
        linkType = record.linkType.rawValue
        let bytes = record.bytes
        crc = bytes.count == 0 ? 0
            : UInt(crc32(0, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }

    var description: String { "\(nanoseconds) len=\(originalLength) cap=\(capturedLength) lt=\(linkType) crc=\(crc)" }
}

/// Every record of a file, summarised, and how reading ended.
struct ReadResult {
    var records: [RecordSummary] = []
    var warning: CaptureWarning?
    var error: CaptureError?
    var interfaces: [CaptureInterface] = []
    var interfaceIndices: [Int] = []
}

func readAll(_ reader: any CaptureReader) -> ReadResult {
    var result = ReadResult()
    do {
        while let record = try reader.next() {
            result.records.append(RecordSummary(record))
            result.interfaceIndices.append(record.interfaceIndex)
        }
    } catch {
        result.error = error
    }
    result.warning = reader.warning
    result.interfaces = reader.interfaces
    return result
}

func readAll(path: String, reader kind: CaptureReaderKind = .native) -> ReadResult {
    do {
        return readAll(try openCapture(path: path, reader: kind))
    } catch {
        return ReadResult(error: error)
    }
}
