import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Timeline

/// The naming rules for exchanges seen only as encrypted records, fed with the servers' own logs:
/// each logged request becomes an exchange with no method, path or status (as the record layer
/// gives it), the general log gives the SQL, and the name the rules find from that SQL must be
/// the operation the request really was (from its method and path, which the rules never see).
struct InferredCallNamingTests {
    /// What the rules must name; every other call must not be named as one of these.
    static let changes: Set<String> = ["token-issue", "image-create", "image-upload", "image-stage", "image-import",
                                       "image-update", "image-delete", "image-deactivate", "image-reactivate"]

    /// The facts as the record layer would give them: the request line gone, the request's size
    /// its Content-Length and a 500-byte head when the log has it.
    static func encrypted(_ facts: [HTTPFact], contentLengths: [Int?]) -> [HTTPFact] {
        facts.enumerated().map { i, fact in
            var hidden = HTTPFact(index: fact.index, time: fact.time, end: fact.end, connection: fact.connection, client: fact.client,
                                  server: fact.server, service: fact.service, operation: "unknown", method: "", path: "", status: nil,
                                  requestBytes: contentLengths[i].map { $0 + 500 } ?? 0)
            hidden.inferred = true
            hidden.tls = true
            return hidden
        }
    }

    struct Outcome {
        var named = 0, changes = 0
        /// Changes left "unknown".
        var unnamed: [String] = []
        /// Calls given a name they do not have: the one thing the rules must never do.
        var misnamed: [String] = []
    }

    static func check(_ scenario: String, decoded: [HTTPFact], sql: [SQLFact], contentLengths: [Int?]) -> Outcome {
        let encrypted = Self.encrypted(decoded, contentLengths: contentLengths)
        let store = HTTPFactStore(encrypted)
        let timeline = ImageTimelineBuilder.build(http: store, sql: SQLFactStore(sql))
        var outcome = Outcome()
        for (position, truth) in decoded.enumerated() {
            let guess = store[position]
            let what = "\(scenario): \(truth.method) \(truth.path) (\(truth.operation)) named \(guess.operation), image \(guess.imageID ?? "none")"
            if changes.contains(truth.operation.rawValue) {
                outcome.changes += 1
                if guess.operation == truth.operation && (truth.imageID == nil || guess.imageID == truth.imageID) {
                    outcome.named += 1
                } else if guess.operation == "unknown" {
                    outcome.unnamed.append(what)
                } else {
                    outcome.misnamed.append(what)
                }
            } else if changes.contains(guess.operation.rawValue) {
                outcome.misnamed.append(what)
            }
            #expect(!guess.evidence.isEmpty)
        }
        // An upload whose size the log gives is checked against the size Glance stored.
        for image in timeline.images {
            guard let upload = image.upload, let length = contentLengths[upload.http], length > 0 else { continue }
            #expect(upload.inferred && upload.sizeMatches == (Int64(length) == image.size), "\(scenario): \(image.id ?? "?")")
        }
        print("\(scenario): \(outcome.named)/\(outcome.changes) image changes and token issues named from their SQL alone, "
              + "\(outcome.unnamed.count) left unknown, \(outcome.misnamed.count) misnamed")
        return outcome
    }

    @Test(.enabled(if: ProjectPaths.sharedCapturesAvailable, SharedCaptures.missing), arguments: ProjectPaths.sharedScenarios)
    func sharedCapturesCallsAreNamedFromTheirSQL(_ scenario: String) throws {
        let (http, sql, truth) = try ImageTimelineBuilderTests.facts(scenario)
        var decoded = http
        for i in decoded.indices {
            let segments = decoded[i].path.split(separator: "/")
            for route in OpenStackRoute.standardTable where route.service.rawValue == decoded[i].service {
                if let captures = route.match(method: decoded[i].method, pathSegments: segments) {
                    decoded[i].operation = route.operationName(captures: captures)
                    break
                }
            }
        }
        let lengths = (truth["http_requests"] as? [[String: Any]] ?? []).map { $0["request_content_length"] as? Int }
        let outcome = Self.check(scenario, decoded: decoded, sql: sql, contentLengths: lengths)
        #expect(outcome.named == outcome.changes && outcome.changes > 0, "\(outcome.unnamed + outcome.misnamed)")
    }

    @Test(arguments: ["d-failed", "f-import", "h-any-sll2"])
    func testbedCallsAreNamedFromTheirSQL(_ scenario: String) throws {
        let (http, sql) = TestbedTruthTimelineTests.facts(try TestbedTruthTimelineTests.truth(scenario))
        let outcome = Self.check(scenario, decoded: http, sql: sql, contentLengths: Array(repeating: nil, count: http.count))
        #expect(outcome.named == outcome.changes && outcome.changes > 0, "\(outcome.unnamed + outcome.misnamed)")
    }

    /// Three uploads at once (c-concurrent): calls of one service overlap, and time nesting cannot
    /// tell which encrypted call issued a statement (a decoded call's image id breaks such ties;
    /// an encrypted one has none). Named by time alone, 5 of the 9 came out wrong; so such calls
    /// stay "unknown", and none may be misnamed. Better SQL attribution (issue 23) is what can
    /// name them; this known issue then stops being recorded.
    @Test func concurrentCallsOfOneServiceAreLeftUnknownNotMisnamed() throws {
        let (http, sql) = TestbedTruthTimelineTests.facts(try TestbedTruthTimelineTests.truth("c-concurrent"))
        let outcome = Self.check("c-concurrent", decoded: http, sql: sql, contentLengths: Array(repeating: nil, count: http.count))
        #expect(outcome.misnamed.isEmpty, "\(outcome.misnamed)")
        withKnownIssue("overlapping encrypted calls of one service share their SQL by time alone") {
            #expect(outcome.named == outcome.changes)
        }
    }

    @Test func keystoneWithoutSQLStaysUnknown() {
        var call = HTTPFact(index: 0, time: Timestamp(nanoseconds: 1_000_000_000), end: Timestamp(nanoseconds: 1_002_000_000),
                            connection: 0, client: "127.0.0.1:40000", server: "127.0.0.1:13000", service: "keystone",
                            operation: "unknown", method: "", path: "", status: nil)
        call.inferred = true
        let store = HTTPFactStore([call])
        _ = ImageTimelineBuilder.build(http: store, sql: SQLFactStore([]))
        #expect(store[0].operation == "unknown")
        #expect(store[0].evidence.contains { $0.contains("no SQL statement attributed") })
    }
}
