import Analysis
import CaptureIO
import Foundation
import Splitting
import TestSupport
import Testing
import Timeline

/// `split --slim` must keep everything the timeline needs: the same images, statuses, HTTP
/// exchanges and SQL statements as on the original, only the upload hashes become unverifiable.
@Suite(.enabled(if: ProjectPaths.sharedCapturesAvailable, "../shared/captures is not next to this checkout")) struct SlimAnalysisTests {
    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func slimCaptureGivesTheSameTimeline(_ scenario: String) throws {
        let original = ProjectPaths.sharedCapture(scenario)
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = SplitConfiguration(boundary: .packets(Int.max))
        configuration.slim = true
        let summary = try CaptureSplitter(configuration: configuration)
            .split(input: original, output: directory.appendingPathComponent("slim.pcap").path)
        let piece = try #require(summary.pieces.first)
        #expect(summary.pieces.count == 1)
        #expect(summary.capturedBytesWritten * 4 < summary.capturedBytesRead, "slim should drop the image bytes")

        let full = try CaptureAnalysis(options: .init()).run(paths: [original])
        let slim = try CaptureAnalysis(options: .init()).run(paths: [piece.path])
        #expect(slim.http.map { "\($0.method) \($0.path) \($0.status ?? 0) \($0.operation)" }
                == full.http.map { "\($0.method) \($0.path) \($0.status ?? 0) \($0.operation)" })
        #expect(slim.sql.map(\.statement) == full.sql.map(\.statement))
        #expect(slim.timeline.images.map(\.id) == full.timeline.images.map(\.id))
        #expect(slim.timeline.images.map { $0.transitions.map(\.status) } == full.timeline.images.map { $0.transitions.map(\.status) })
        #expect(slim.timeline.images.map(\.checksum) == full.timeline.images.map(\.checksum))
        for (a, b) in zip(slim.timeline.images, full.timeline.images) {
            // A Content-Length body keeps its exact size; a chunked one whose framing was cut
            // away counts its chunk-size lines too, a few bytes per 64 KiB chunk.
            let slimBytes = a.upload?.bytesOnWire ?? -1, fullBytes = b.upload?.bytesOnWire ?? -1
            #expect(slimBytes >= fullBytes && slimBytes <= fullBytes + fullBytes / 1000)
            if b.upload != nil { #expect(a.upload?.matchesChecksum == nil, "cut bytes cannot be verified") }
        }
    }
}
