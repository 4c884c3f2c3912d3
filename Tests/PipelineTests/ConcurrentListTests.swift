import Analysis
@testable import Reports
import TestSupport
import Testing
import Timeline

/// The `http` and `sql` lists formatted on several threads in tiny chunks (every chunk boundary
/// between two lines of one request, of a proxy's legs) equal the one-thread lists byte for byte.
@Suite struct ConcurrentListTests {
    @Test(arguments: ["a-seed-slim", "e-lifecycle-slim"])
    func listsEqualTheOneThreadLists(_ name: String) throws {
        let path = ProjectPaths.root.appendingPathComponent("Fixtures/captures/\(name).pcap").path
        let result = try CaptureAnalysis(options: .init()).run(paths: [path])
        #expect(result.http.readsConcurrently && result.sql.readsConcurrently)
        let one = OrderedChunkFormatter(threads: 1)
        for many in [OrderedChunkFormatter(threads: 3, chunkLength: 1, chunksInFlight: 3), OrderedChunkFormatter(threads: 2, chunkLength: 7)] {
            let http = ExchangeListText.http(result, formatter: one)
            let sql = ExchangeListText.sql(result, formatter: one)
            #expect(!http.isEmpty && !sql.isEmpty)
            #expect(ExchangeListText.http(result, formatter: many) == http)
            #expect(ExchangeListText.sql(result, formatter: many) == sql)
        }
    }
}
