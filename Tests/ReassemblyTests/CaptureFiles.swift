import CaptureIO
import Foundation
import PacketDecoding
import Reassembly

/// Paths of the project's fixtures and of the shared captures next to the worktree.
enum CaptureFiles {
    static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    static let sharedScenarios = ["a-seed", "b-sequential", "e-lifecycle"]

    static func shared(_ scenario: String) -> String {
        (ProcessInfo.processInfo.environment["GLANCETRACE_SHARED_CAPTURES"].map { URL(fileURLWithPath: $0) }
            ?? projectRoot.deletingLastPathComponent().appendingPathComponent("shared/captures"))
            .appendingPathComponent("\(scenario)/capture.pcap").path
    }

    static func fixture(_ name: String) -> String {
        projectRoot.appendingPathComponent("Fixtures/captures/reassembly/\(name)").path
    }

    static func expected(_ name: String) -> String {
        projectRoot.appendingPathComponent("Fixtures/expected/reassembly/\(name)").path
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The path of tshark, or nil when it is not installed.
    static let tshark: String? = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func run(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes every packet of a capture and feeds the TCP segments to `reassembler`.
    static func reassemble(_ path: String, into reassembler: TCPReassembler) throws -> PacketStatistics {
        let reader = try openCapture(path: path, reader: .libpcap)
        let decoder = PacketDecoder()
        var last = Timestamp.zero
        while let record = try reader.next() {
            last = record.timestamp
            if case .tcp(let segment) = decoder.decode(record) {
                reassembler.process(segment, at: record.timestamp)
            }
        }
        reassembler.finish(at: last)
        return decoder.statistics
    }
}
