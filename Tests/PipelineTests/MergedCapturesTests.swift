import Analysis
import CaptureIO
import Foundation
import Splitting
import TestSupport
import Testing
import Timeline

/// Several captures of one deployment are analysed as one, merged by time: a capture cut in
/// pieces gives back the timeline of the whole, and `--time-offset` moves one file's clock.
@Suite(.enabled(if: ProjectPaths.sharedCapturesAvailable, "../shared/captures is not next to this checkout")) struct MergedCapturesTests {
    static func pieces(of scenario: String, packets: Int, in directory: URL) throws -> [String] {
        let summary = try CaptureSplitter(configuration: SplitConfiguration(boundary: .packets(packets)))
            .split(input: ProjectPaths.sharedCapture(scenario), output: directory.appendingPathComponent("piece.pcap").path)
        return summary.pieces.map(\.path)
    }

    @Test func piecesGiveTheTimelineOfTheWhole() throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pieces = try Self.pieces(of: "e-lifecycle", packets: 700, in: directory)
        #expect(pieces.count > 3)
        let whole = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.sharedCapture("e-lifecycle")])
        // Given in reverse order: the merge, not the argument order, decides.
        let merged = try CaptureAnalysis(options: .init()).run(paths: pieces.reversed())
        #expect(merged.captures.count == pieces.count)
        #expect(merged.captures.reduce(0) { $0 + $1.packets } == whole.captures[0].packets)
        #expect(merged.http.map { "\($0.time) \($0.method) \($0.path) \($0.status ?? 0)" }
                == whole.http.map { "\($0.time) \($0.method) \($0.path) \($0.status ?? 0)" })
        #expect(merged.sql.map(\.statement) == whole.sql.map(\.statement))
        #expect(merged.timeline.images.map { $0.transitions.map(\.status) } == whole.timeline.images.map { $0.transitions.map(\.status) })
    }

    @Test func timeOffsetShiftsOneCapture() throws {
        let path = ProjectPaths.sharedCapture("a-seed")
        var options = CaptureAnalysis.Options()
        options.timeOffsets = [path: 3_600_000_000_000]
        let shifted = try CaptureAnalysis(options: options).run(paths: [path])
        let plain = try CaptureAnalysis(options: .init()).run(paths: [path])
        #expect(shifted.http.count == plain.http.count)
        for (a, b) in zip(shifted.http, plain.http) { #expect(a.time.nanoseconds(since: b.time) == 3_600_000_000_000) }
        #expect(shifted.timeline.images.first?.transitions.map(\.status) == plain.timeline.images.first?.transitions.map(\.status))
    }
}
