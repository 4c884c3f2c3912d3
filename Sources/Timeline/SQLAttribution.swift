import CaptureIO

/// Attaches each SQL statement to the HTTP request during which the service issued it.
///
/// A statement belongs to a request that was in progress when it was sent (time nesting), served
/// by the service whose database the statement used (`glance`, `keystone`); among several such
/// requests (a Glance request nests Keystone's token validation, keep-alive pools interleave)
/// the one naming the same image wins, then the innermost (latest started). A sweep over time
/// keeps only the requests in progress, so this stays linear in practice.
public enum SQLAttribution {
    /// Returns, for each SQL fact index, the HTTP fact index it belongs to.
    /// What attribution reads of a request in progress.
    struct Request {
        var index: Int
        var time: Timestamp
        var end: Timestamp
        var service: String
        var imageID: String?
    }

    public static func attribute(sql: SQLFactStore, http: HTTPFactStore) -> [Int: Int] {
        let requests = http.positionsByStart()
        guard !requests.isEmpty else { return [:] }
        let inferred = inferredServices(sql)
        var result: [Int: Int] = [:]
        // Only the requests in progress are decoded and held.
        var active: [Request] = []
        var next = 0
        for position in sql.positionsByStart() {
            let time = sql.time(at: position)
            while next < requests.count, http.time(at: requests[next]) <= time {
                if http.end(at: requests[next]) >= time {
                    let fact = http[requests[next]]
                    active.append(Request(index: requests[next], time: fact.time, end: fact.end, service: fact.service,
                                          imageID: fact.imageID))
                }
                next += 1
            }
            active.removeAll { $0.end < time }
            // Decoding is the cost of this loop: only statements some request may own.
            guard !active.isEmpty else { continue }
            let statement = sql.text(at: position)
            let service = serviceOf(user: statement.user, database: statement.database) ?? inferred[sql.connection(at: position)]
            var best: Request?
            var bestScore = -1
            for request in active {
                var score = 0
                if let service {
                    guard request.service == service else { continue }
                    score += 2
                }
                if let id = request.imageID, statement.statement.containsBytes(id) { score += 4 }
                if score > bestScore || (score == bestScore && request.time >= (best?.time ?? .zero)) {
                    best = request
                    bestScore = score
                }
            }
            if let best { result[position] = best.index }
        }
        return result
    }

    /// For connections whose login was not captured (the pool connected before the capture
    /// began), the service is recognised by the tables its statements touch.
    static func inferredServices(_ sql: SQLFactStore) -> [Int: String] {
        var result: [Int: String] = [:]
        for position in sql.indices {
            let connection = sql.connection(at: position)
            guard result[connection] == nil else { continue }
            let text = sql.text(at: position).statement
            if text.containsBytes("images.") || text.containsBytes("image_properties") || text.containsBytes("INTO images")
                || text.containsBytes("UPDATE images") || text.containsBytes("image_locations") {
                result[connection] = "glance"
            } else if text.containsBytes("revocation_event") || text.containsBytes("local_user") || text.containsBytes("FROM project")
                        || text.containsBytes("assignment.") || text.containsBytes("FROM user") {
                result[connection] = "keystone"
            }
        }
        return result
    }

    /// The OpenStack service a statement came from, by its database (or user) name.
    static func serviceOf(user: String?, database: String?) -> String? {
        for name in [database, user].compactMap({ $0?.lowercased() }) {
            if name.containsBytes("glance") { return "glance" }
            if name.containsBytes("keystone") { return "keystone" }
        }
        return nil
    }
}
