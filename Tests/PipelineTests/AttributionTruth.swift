import Analysis
import Foundation
import Timeline

/// How well glancetrace's SQL -> HTTP attribution agrees with the test bed's server-side tracer
/// (`../shared/testbed/tbtrace`: `sql[].http_request` in truth.json).
///
/// Glancetrace's statements and requests are matched to truth's without looking at glancetrace's
/// attribution: requests by the `X-Openstack-Request-Id` the server sent (and, for the few without
/// one, by port, method, path, status and nearest start); statements by their MySQL connection
/// (truth's connection id -> client port, from the server's process list) and then by identical
/// text in order on that connection, as truth.py matches the general log to the tracer.
struct AttributionScore: CustomStringConvertible {
    var scenario: String
    /// Query statements truth gives to a request in its window (the population measured).
    var truthAttributed = 0
    /// Of those, the ones found among glancetrace's statements.
    var matched = 0
    /// Of the population, the ones glancetrace gives to some request.
    var attributed = 0
    /// Of the population, the ones glancetrace gives to the request truth names.
    var right = 0
    /// Statements truth gives to no request (background work) that glancetrace gives to one.
    var attributedWithoutTruthRequest = 0
    /// Of the population, the statements whose request the capture holds (found among glancetrace's
    /// requests): a capture may lack some by design (r-veth-lossy sees Glance's calls to Keystone
    /// on neither side).
    var truthRequestCaptured = 0
    /// Statements glancetrace calls ambiguous, of the population.
    var ambiguous = 0
    /// Wrong attributions, "truth request <- glancetrace request", most frequent first.
    var mistakes: [(String, Int)] = []

    var precision: Double { attributed == 0 ? 1 : Double(right) / Double(attributed) }
    var recall: Double { truthAttributed == 0 ? 1 : Double(right) / Double(truthAttributed) }
    /// Recall over the statements whose request is in the capture.
    var recallOfCaptured: Double { truthRequestCaptured == 0 ? 1 : Double(right) / Double(truthRequestCaptured) }

    var description: String {
        func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
        var line = "attribution \(scenario): precision \(percent(precision)) (\(right)/\(attributed)), recall \(percent(recall)) "
            + "(\(right)/\(truthAttributed)); \(matched) of \(truthAttributed) statements matched; \(ambiguous) ambiguous"
        if truthRequestCaptured < truthAttributed {
            line += "; \(truthAttributed - truthRequestCaptured) issued by requests the capture lacks, recall over the rest "
                + "\(percent(recallOfCaptured)) (\(right)/\(truthRequestCaptured))"
        }
        if attributedWithoutTruthRequest > 0 { line += "; \(attributedWithoutTruthRequest) given a request truth calls background work" }
        for (mistake, count) in mistakes.prefix(4) { line += "\n    \(count) x \(mistake)" }
        return line
    }
}

enum AttributionTruth {
    /// Measures `result`'s attribution (`attribution(sqlPosition)` -> HTTP position) against `truth`.
    static func score(_ scenario: String, truth: [String: Any], result: AnalysisResult,
                      attribution: (Int) -> Int?, ambiguous: (Int) -> Bool = { _ in false }) -> AttributionScore {
        let truthHTTP = truth["http_requests"] as? [[String: Any]] ?? []
        let truthSQL = truth["sql"] as? [[String: Any]] ?? []
        let requestOfTruth = matchRequests(truthHTTP, result)
        let statementOfTruth = matchStatements(truthSQL, truth["mysql_connections"] as? [[String: Any]] ?? [], result)
        var truthOfRequest: [Int: Int] = [:]
        for (t, g) in requestOfTruth { truthOfRequest[g] = t }
        // A proxy's front leg of a call carries the server's request id too: either leg is the call.
        for (t, g) in requestOfTruth {
            guard let id = result.http[g].requestID else { continue }
            for fact in result.http where fact.requestID == id && fact.index != g && fact.method == result.http[g].method {
                truthOfRequest[fact.index] = t
            }
        }

        var score = AttributionScore(scenario: scenario)
        var mistakes: [String: Int] = [:]
        func label(_ row: [String: Any]) -> String { "\(row["method"] as? String ?? "?") \(row["path"] as? String ?? "?")" }
        for (t, row) in truthSQL.enumerated() where row["command"] as? String == "Query" {
            let statement = statementOfTruth[t]
            let given = statement.flatMap(attribution)
            guard let want = row["http_request"] as? Int else {
                if given != nil, row["attribution"] as? String == "no-request" { score.attributedWithoutTruthRequest += 1 }
                continue
            }
            score.truthAttributed += 1
            if requestOfTruth[want] != nil { score.truthRequestCaptured += 1 }
            guard let statement else { continue }
            score.matched += 1
            if ambiguous(statement) { score.ambiguous += 1 }
            guard let given else { continue }
            score.attributed += 1
            if truthOfRequest[given] == want {
                score.right += 1
            } else {
                let fact = result.http[given]
                mistakes["\(truthHTTP.indices.contains(want) ? label(truthHTTP[want]) : "?") <- \(fact.method) \(fact.path)", default: 0] += 1
            }
        }
        score.mistakes = mistakes.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
        return score
    }

    /// Truth request index -> glancetrace HTTP position.
    static func matchRequests(_ truthHTTP: [[String: Any]], _ result: AnalysisResult) -> [Int: Int] {
        struct Request { var position: Int; var port: Int; var method: String; var path: String; var status: Int?; var time: Double; var requestID: String? }
        var requests: [Request] = []
        for fact in result.http {
            let port = Int(fact.server.split(separator: ":").last ?? "") ?? -1
            requests.append(Request(position: fact.index, port: port, method: fact.method, path: fact.path, status: fact.status,
                                    time: fact.time.secondsValue, requestID: fact.requestID))
        }
        var byID: [String: [Int]] = [:]
        for (i, request) in requests.enumerated() { if let id = request.requestID { byID[id, default: []].append(i) } }
        var result: [Int: Int] = [:]
        var taken = Set<Int>()
        var unmatched: [Int] = []
        for (t, row) in truthHTTP.enumerated() {
            guard let service = row["service"] as? String, service == "keystone" || service == "glance" else { continue }
            let port = row["port"] as? Int ?? -1
            if let id = row["request_id"] as? String,
               let hits = byID[id]?.filter({ requests[$0].port == port && !taken.contains($0) }), hits.count == 1 {
                result[t] = requests[hits[0]].position
                taken.insert(hits[0])
            } else {
                unmatched.append(t)
            }
        }
        // Requests the server answered without a request id (version discovery): same port, method,
        // path and status, the nearest start within a second (uWSGI logs when a worker took it).
        for t in unmatched {
            let row = truthHTTP[t]
            let time = row["time"] as? Double ?? 0
            let best = requests.indices.filter { i in
                !taken.contains(i) && requests[i].port == row["port"] as? Int && requests[i].method == row["method"] as? String
                    && requests[i].path == row["path"] as? String && requests[i].status == row["status"] as? Int
                    && abs(requests[i].time - time) < 1
            }.min { abs(requests[$0].time - time) < abs(requests[$1].time - time) }
            if let best {
                result[t] = requests[best].position
                taken.insert(best)
            }
        }
        return result
    }

    /// Truth statement index -> glancetrace SQL position.
    static func matchStatements(_ truthSQL: [[String: Any]], _ connections: [[String: Any]], _ result: AnalysisResult) -> [Int: Int] {
        var portOfConnection: [Int: Int] = [:]
        for connection in connections {
            if let id = connection["connection_id"] as? Int, let port = connection["client_port"] as? Int { portOfConnection[id] = port }
        }
        // Glancetrace's Query commands per client port and per MySQL thread id, in time order.
        var byPort: [Int: [(position: Int, statement: String)]] = [:]
        var byThread: [Int: [(position: Int, statement: String)]] = [:]
        for fact in result.sql where fact.command == .query {
            if let port = Int(fact.client.split(separator: ":").last ?? "") { byPort[port, default: []].append((fact.index, fact.statement)) }
            if let thread = fact.threadID { byThread[thread, default: []].append((fact.index, fact.statement)) }
        }
        var truthByConnection: [Int: [Int]] = [:]
        for (t, row) in truthSQL.enumerated() where row["command"] as? String == "Query" {
            if let id = row["connection_id"] as? Int { truthByConnection[id, default: []].append(t) }
        }
        var result: [Int: Int] = [:]
        for (connection, statements) in truthByConnection {
            let ours = portOfConnection[connection].flatMap { byPort[$0] } ?? byThread[connection] ?? []
            var next = 0
            for t in statements {
                let text = truthSQL[t]["statement"] as? String ?? ""
                // In order on the connection; a statement the capture lost is skipped, not fatal.
                for k in next..<min(ours.count, next + 20) where ours[k].statement == text {
                    result[t] = ours[k].position
                    next = k + 1
                    break
                }
            }
        }
        return result
    }
}
