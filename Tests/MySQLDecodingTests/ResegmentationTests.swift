import CaptureIO
import Testing
@testable import MySQLDecoding

/// Any split of the input gives the same records.
struct ResegmentationTests {
    static let scenarios = ["prepared", "text", "compressed", "compressed-zstd", "deprecate_eof", "cli", "a-seed"]

    @Test(arguments: scenarios)
    func byteByByteIsIdentical(scenario: String) throws {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        let baseline = fixture.replay().records
        #expect(!baseline.isEmpty)
        #expect(fixture.replay(split: .byteByByte).records == baseline)
    }

    @Test(arguments: scenarios, [UInt64(1), 2, 3])
    func randomSplitsAreIdentical(scenario: String, seed: UInt64) throws {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        let baseline = fixture.replay().records
        #expect(fixture.replay(split: .random(seed: seed)).records == baseline)
    }

    /// Chunks joined across packets (times then differ): everything but times is the same.
    @Test(arguments: scenarios)
    func mergedChunksGiveTheSameCommands(scenario: String) throws {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        func timeless(_ records: [MySQLCommandRecord]) -> [MySQLCommandRecord] {
            records.map { var r = $0; r.start = .zero; r.end = r.end.map { _ in .zero }; return r }
        }
        let baseline = timeless(fixture.replay().records)
        #expect(timeless(fixture.replay(split: .merged(seed: 9)).records) == baseline)
    }

    /// The first byte's time is the command's start; the response's last byte its end.
    @Test func timesComeFromTheChunks() throws {
        let fixture = try StreamFixture(named: "text.chunks.gz")
        let records = fixture.replay().records
        let chunkTimes = Set(fixture.events.compactMap { event -> Int64? in
            if case let .data(_, _, time, _) = event { return time.nanoseconds }
            return nil
        })
        for r in records {
            #expect(chunkTimes.contains(r.start.nanoseconds))
            if let end = r.end { #expect(chunkTimes.contains(end.nanoseconds) && end >= r.start) }
        }
    }
}
