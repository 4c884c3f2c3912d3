import Analysis
@testable import Reports
import TestSupport
import Testing
import Timeline

/// The `http` and `sql` lines written from the facts' stored bytes (`HTTPListFields`,
/// `SQLListFields`) equal those written from the facts read whole, on captures with uploads
/// (digests kept in memory), errors, a MySQL proxy's legs, inferred TLS calls and caused calls.
@Suite struct ListFieldsTests {
    @Test(arguments: ["a-seed-slim.pcap", "e-lifecycle-slim.pcap", "testbed/s-mysql-proxy/capture.pcap",
                      "testbed/q-seed-scope-nokeys/capture.pcap", "testbed/u-swift-store/capture.pcap",
                      "testbed/p-attribution/capture.pcap"])
    func linesFromStoredBytesEqualThoseFromWholeFacts(_ name: String) throws {
        let path = ProjectPaths.root.appendingPathComponent("Fixtures/captures/\(name)").path
        let result = try CaptureAnalysis(options: .init()).run(paths: [path])
        let one = OrderedChunkFormatter(threads: 1)
        func http(wholeFacts: Bool) -> [UInt8] {
            var out: [UInt8] = []
            ExchangeListText.httpBytes(result, formatter: one, wholeFacts: wholeFacts) { out += $0 }
            return out
        }
        func sql(wholeFacts: Bool) -> [UInt8] {
            var out: [UInt8] = []
            ExchangeListText.sqlBytes(result, formatter: one, wholeFacts: wholeFacts) { out += $0 }
            return out
        }
        #expect(!http(wholeFacts: false).isEmpty)
        #expect(http(wholeFacts: false) == http(wholeFacts: true))
        #expect(sql(wholeFacts: false) == sql(wholeFacts: true))
    }

    /// The `http` and `sql` arrays' elements written by `AnalysisJSON`'s byte writers equal the
    /// serialised `JSONValue` elements, pretty and compact, on one thread and on several.
    @Test(arguments: ["a-seed-slim.pcap", "e-lifecycle-slim.pcap", "testbed/s-mysql-proxy/capture.pcap",
                      "testbed/q-seed-scope-nokeys/capture.pcap", "testbed/u-swift-store/capture.pcap"])
    func jsonElementsWrittenAsBytesEqualTheirValues(_ name: String) throws {
        let path = ProjectPaths.root.appendingPathComponent("Fixtures/captures/\(name)").path
        let result = try CaptureAnalysis(options: .init()).run(paths: [path])
        for array in [AnalysisJSON.http(result), AnalysisJSON.sql(result)] {
            guard case .lazyArray(let items) = array else {
                Issue.record("not a lazy array")
                continue
            }
            #expect(items.count > 0)
            let values = JSONValue.lazyArray(LazyJSONArray(count: items.count, element: items.element))
            for pretty in [true, false] {
                #expect(array.serialized(pretty: pretty) == values.serialized(pretty: pretty))
            }
            var chunks = ""
            JSONValue.object([("a", array)]).serialize { chunks += $0 }
            #expect(chunks == JSONValue.object([("a", values)]).serialized())
        }
    }
}
