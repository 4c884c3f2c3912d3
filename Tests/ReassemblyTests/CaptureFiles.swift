import CaptureIO
import Foundation
import PacketDecoding
import Reassembly
import TestSupport

/// Paths of the project's fixtures and of the shared captures next to the worktree.
enum CaptureFiles {
    static func fixture(_ name: String) -> String { ProjectPaths.fixture("captures/reassembly/\(name)") }

    static func expected(_ name: String) -> String { ProjectPaths.fixture("expected/reassembly/\(name)") }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The path of tshark, or nil when it is not installed.
    static let tshark = ExternalTool.path("tshark")

    static func run(_ executable: String, _ arguments: [String]) -> String? { try? ExternalTool.run(executable, arguments).output }

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
