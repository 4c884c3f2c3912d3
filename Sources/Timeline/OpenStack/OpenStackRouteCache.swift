/// The classification of recent request paths, by service, method and path: a monitoring loop
/// or a busy client asks the same few paths again and again (`GET /v2/images` three hundred
/// thousand times in the API benchmark capture), and cutting a path into segments and trying it
/// against the table cost more than a look-up.
///
/// One per thread that classifies (a `ProtocolRouter`); valid only for the table it was filled
/// from (`OpenStackCall.init` uses it with the standard table alone). Bounded: past `limit`
/// entries it starts over, so a capture of ever-new paths (image ids) costs memory of `limit`.
package final class OpenStackRouteCache {
    struct Key: Hashable {
        var service: OpenStackService
        var method: String
        var path: String
    }

    struct Match {
        var operation: OpenStackOperation
        var captures: [String: String]
    }

    private var matches: [Key: Match] = [:]
    private let limit: Int

    /// The table the matches are of (its storage compared, not its rows).
    private let standard = OpenStackRoute.standardTable

    package init(limit: Int = 4096) {
        self.limit = max(1, limit)
    }

    /// Whether `routes` is the standard table itself (a copy of it shares its storage).
    func isStandard(_ routes: [OpenStackRoute]) -> Bool {
        routes.withUnsafeBufferPointer { given in
            standard.withUnsafeBufferPointer { $0.baseAddress == given.baseAddress && $0.count == given.count }
        }
    }

    /// The last look-up: a client repeating one call hits it without hashing the path.
    private var last: (key: Key, match: Match)?

    func match(_ key: Key, _ classify: () -> Match) -> Match {
        if let last, last.key == key { return last.match }
        if let known = matches[key] {
            last = (key, known)
            return known
        }
        let match = classify()
        last = (key, match)
        if matches.count >= limit { matches.removeAll(keepingCapacity: true) }
        matches[key] = match
        return match
    }
}
