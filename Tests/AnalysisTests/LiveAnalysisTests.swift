import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Analysis
import Timeline

/// The live loop of `glancetrace capture`, driven without an interface: a recorded capture
/// replayed through it must give what the file analysis gives, event by event.
@Suite struct LiveAnalysisTests {
    static let fixture = ProjectPaths.fixture("captures/a-seed-slim.pcap")

    /// Replays the fixture through `LiveAnalysis`; returns the loop, its events and the result.
    static func replay(limits: LiveAnalysis.Limits = .init(), configure: (LiveAnalysis) -> Void = { _ in })
        throws -> (loop: LiveAnalysis, events: [AnalysisSession.LiveEvent], result: AnalysisResult) {
        let reader = try openCapture(path: fixture)
        let session = AnalysisSession(options: CaptureAnalysis.Options())
        var events: [AnalysisSession.LiveEvent] = []
        session.onEvent = { events.append($0) }
        let loop = LiveAnalysis(session: session, source: ReplayedPacketSource(reader: reader),
                                capture: session.addCapture(reader.info), limits: limits)
        configure(loop)
        try loop.run()
        return (loop, events, session.finish())
    }

    @Test func replayGivesWhatTheFileAnalysisGives() throws {
        let offline = try CaptureAnalysis(options: .init()).run(paths: [Self.fixture])
        let (loop, events, live) = try Self.replay()
        #expect(loop.packets == offline.captures.first?.packets)
        #expect(live.http.count == offline.http.count && live.http.count > 0)
        #expect(live.sql.count == offline.sql.count && live.sql.count > 0)
        #expect(live.timeline.images.map(\.id) == offline.timeline.images.map(\.id))
        #expect(live.timeline.images.map(\.status) == offline.timeline.images.map(\.status))
        // One event per exchange and per command, as each completes.
        let httpEvents = events.filter { if case .http = $0 { true } else { false } }.count
        let sqlEvents = events.filter { if case .sql = $0 { true } else { false } }.count
        #expect(httpEvents == offline.http.count)
        #expect(sqlEvents == offline.sql.count)
        // Every status an image reached is announced as it happens.
        let announced = Set(events.compactMap { if case .status(let id, let status, _, _) = $0 { "\(id) \(status)" } else { nil } })
        for image in offline.timeline.images {
            guard let id = image.id, let status = image.status else { continue }
            #expect(announced.contains("\(id) \(status)"), "\(id) ended \(status), never announced")
        }
    }

    @Test func countLimitStopsAfterThatManyPackets() throws {
        let (loop, _, result) = try Self.replay(limits: .init(count: 25))
        #expect(loop.packets == 25)
        #expect(result.captures.first?.packets == 25)
    }

    @Test func aRecordHookSayingStopEndsTheLoopBeforeTheSessionSeesThePacket() throws {
        var written = 0
        let (loop, _, result) = try Self.replay { loop in
            loop.record = { _ in
                written += 1
                return written < 10
            }
        }
        #expect(written == 10)
        #expect(loop.packets == 9)
        #expect(result.captures.first?.packets == 9)
    }

    @Test func shouldStopIsAskedBeforeEveryRead() throws {
        let (loop, _, _) = try Self.replay { loop in loop.shouldStop = { [unowned loop] in loop.packets >= 3 } }
        #expect(loop.packets == 3)
    }
}
