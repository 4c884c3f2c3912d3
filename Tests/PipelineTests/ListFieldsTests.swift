import Analysis
@testable import Reports
import TestSupport
import Testing
import Timeline

/// The `http` and `sql` lines written from the facts' stored bytes (`HTTPListFields`,
/// `SQLListFields`) equal those written from the facts read whole, on captures with uploads
/// (digests kept in memory), errors, a MySQL proxy's legs, inferred TLS calls and caused calls.
@Suite struct ListFieldsTests {
    /// Uploads, errors, a MySQL proxy's legs, inferred TLS calls and caused calls.
    static let captures = ["a-seed-slim.pcap", "e-lifecycle-slim.pcap", "testbed/s-mysql-proxy/capture.pcap",
                           "testbed/q-seed-scope-nokeys/capture.pcap", "testbed/u-swift-store/capture.pcap",
                           "testbed/p-attribution/capture.pcap"]

    static func analysed(_ name: String) throws -> AnalysisResult {
        let path = ProjectPaths.root.appendingPathComponent("Fixtures/captures/\(name)").path
        return try CaptureAnalysis(options: .init()).run(paths: [path])
    }

    @Test(arguments: captures)
    func linesFromStoredBytesEqualThoseFromWholeFacts(_ name: String) throws {
        let result = try Self.analysed(name)
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
        let result = try Self.analysed(name)
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

    /// `analyze`'s summary counts services and SQL commands from trait bits and stored bytes
    /// (`withService`, `SQLListFields`): each fact's service as stored equals the decoded one
    /// (inferred TLS calls too), the Glance trait marks exactly the Glance calls, and the summary's
    /// lines equal those counted from the facts read whole.
    @Test(arguments: captures)
    func summaryCountsFromStoredBytesEqualThoseFromWholeFacts(_ name: String) throws {
        let result = try Self.analysed(name)
        let reader = result.http.makeReader()
        var read = 0
        for position in result.http.indices {
            let fact = result.http[position]
            #expect(result.http.traits(at: position).contains(.glance) == (fact.service == "glance"))
            if reader.withService(at: position, { #expect(String(decoding: $0, as: UTF8.self) == fact.service) }) { read += 1 }
        }
        #expect(read > 0)
        let legs = result.timeline.legs
        var services: [String: Int] = [:]
        for fact in result.http where legs.http.isLogical(fact.index) { services[fact.service, default: 0] += 1 }
        var commands: [String: Int] = [:]
        var errors = 0
        for fact in result.sql where legs.sql.isLogical(fact.index) {
            commands[fact.command.name, default: 0] += 1
            if case .error = fact.outcome { errors += 1 }
        }
        func listed(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "" : " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        let summary = AnalysisText.summary(result)
        #expect(summary.contains(listed(services)))
        #expect(summary.contains("SQL commands: \(commands.values.reduce(0, +))\(listed(commands))\(errors > 0 ? ", \(errors) errors" : "")"))
    }
}
