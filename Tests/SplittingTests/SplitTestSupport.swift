import CaptureIO
import Foundation
@testable import Splitting
import TestSupport

/// Paths, external tools and scratch directories for the splitter's tests.
enum SplitTestSupport {
    /// The committed small capture: the first 700 packets of a-seed (HTTP and MySQL).
    static let fixture = ProjectPaths.root.appendingPathComponent("Tests/SplittingTests/Fixtures/a-seed-700.pcap").path

    /// A shared capture, or nil when `../shared/captures` is not there (CI without the data).
    static func sharedCapture(_ scenario: String) -> String? {
        let path = ProjectPaths.sharedCapture(scenario)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// A fresh scratch directory, removed by the caller with `remove`.
    static func scratchDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "glancetrace-split-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// File names in a directory, sorted (hidden files included, so leftovers show).
    static func listing(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// Splits with our splitter (libpcap reader until the native one lands).
    @discardableResult
    static func split(_ input: String, _ output: String, _ configure: (inout SplitConfiguration) -> Void) throws -> SplitSummary {
        var configuration = SplitConfiguration(boundary: .packets(1))
        configuration.readerKind = .libpcap
        configure(&configuration)
        return try CaptureSplitter(configuration: configuration).split(input: input, output: output)
    }

    /// `frame.time_epoch` of every packet, as tshark prints it.
    static func packetTimes(_ tshark: String, _ path: String) throws -> [String] {
        try ExternalTool.run(tshark, ["-r", path, "-T", "fields", "-e", "frame.time_epoch"]).output.split(separator: "\n").map(String.init)
    }
}
