import CaptureIO
import Foundation
import Testing
@testable import HTTPDecoding

/// The decoder against the servers' own request logs (truth.json of the shared captures),
/// fed with tshark's view of each TCP stream.
@Suite struct HTTPCaptureTruthTests {
    struct Row: Comparable, CustomStringConvertible {
        var port: Int
        var method: String
        var path: String
        var status: Int
        static func < (a: Row, b: Row) -> Bool { (a.port, a.method, a.path, a.status) < (b.port, b.method, b.path, b.status) }
        var description: String { "\(port) \(method) \(path) \(status)" }
    }

    @Test(arguments: HTTPFixture.scenarios)
    func exchangesMatchServerLogs(scenario: String) throws {
        let fixture = try HTTPFixture(scenario: scenario)
        let truth = try HTTPFixture.truth(scenario)
        let requests = truth["http_requests"] as? [[String: Any]] ?? []
        let (exchanges, decoders) = fixture.decode()
        #expect(exchanges.count == requests.count)

        let decoded = exchanges.map { Row(port: Int($0.server.port), method: $0.request?.method ?? "-",
                                          path: $0.request?.target ?? "-", status: $0.status ?? 0) }
        let expected = requests.map { Row(port: $0["port"] as? Int ?? 0, method: $0["method"] as? String ?? "",
                                          path: $0["path"] as? String ?? "", status: $0["status"] as? Int ?? 0) }
        #expect(decoded.sorted() == expected.sorted())

        // Pair each logged request with a decoded one (same row, in time order) and check times and sizes.
        var byRow: [String: [HTTPExchange]] = [:]
        for exchange in exchanges.sorted(by: { ($0.timing.requestStart ?? .zero) < ($1.timing.requestStart ?? .zero) }) {
            let row = Row(port: Int(exchange.server.port), method: exchange.request?.method ?? "-",
                          path: exchange.request?.target ?? "-", status: exchange.status ?? 0)
            byRow[row.description, default: []].append(exchange)
        }
        for request in requests.sorted(by: { ($0["time"] as? Double ?? 0) < ($1["time"] as? Double ?? 0) }) {
            let row = Row(port: request["port"] as? Int ?? 0, method: request["method"] as? String ?? "",
                          path: request["path"] as? String ?? "", status: request["status"] as? Int ?? 0)
            guard var candidates = byRow[row.description], !candidates.isEmpty else { continue }
            let exchange = candidates.removeFirst()
            byRow[row.description] = candidates
            // uWSGI logs when a worker started on the request: after the request began on the wire
            // and before the response ended (1 ms slack for its clock).
            let logged = Int64(((request["time"] as? Double ?? 0) * 1e6).rounded()) * 1000
            let start = exchange.timing.requestStart?.nanoseconds ?? 0
            let end = exchange.timing.responseEnd?.nanoseconds ?? 0
            #expect(logged >= start - 1_000_000 && logged <= end + 1_000_000, "\(row): logged \(logged) outside [\(start), \(end)]")
            // uWSGI's response size is the whole response on the wire (head and body).
            #expect(exchange.responseWireBytes + (exchange.response?.body.missingBytes ?? 0) == request["response_bytes"] as? Int,
                    "\(row)")
            // Its request size is the Content-Length (0 for chunked bodies).
            let contentLength = request["request_content_length"] as? Int ?? -1
            let body = exchange.request?.body
            if exchange.request?.headers.value(for: "Transfer-Encoding") == nil {
                #expect((body?.byteCount ?? 0) + (body?.missingBytes ?? 0) == contentLength, "\(row)")
            } else {
                #expect(contentLength == 0)
            }
            #expect(exchange.response != nil)
            #expect(exchange.timing.requestEnd != nil && exchange.timing.responseStart != nil)
        }
        // The fixtures cut big bodies into gaps: only those exchanges may be incomplete.
        for exchange in exchanges where exchange.missingBytes == 0 {
            #expect(exchange.isComplete, "\(exchange.request?.method ?? "") \(exchange.request?.target ?? "") incomplete: \(exchange.anomalies)")
        }
        _ = decoders
    }
}
