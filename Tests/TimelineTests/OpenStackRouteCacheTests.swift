import HTTPDecoding
import Testing
@testable import Timeline

/// A router's cache of path classifications (`OpenStackRouteCache`) must change nothing: every
/// exchange of the recorded scenarios classifies alike with and without it, also with a cache
/// so small that it starts over all the time.
struct OpenStackRouteCacheTests {
    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func cachedCallsEqualUncachedOnes(scenario: String) throws {
        let exchanges = try OpenStackFixture.exchanges(scenario)
        try #require(exchanges.count >= 10)
        for cache in [OpenStackRouteCache(), OpenStackRouteCache(limit: 3)] {
            var differing = 0
            // Twice: the second pass reads the cache the first one filled.
            for exchange in exchanges + exchanges {
                let cached = OpenStackCall(exchange: exchange, cache: cache)
                if cached != OpenStackCall(exchange: exchange) { differing += 1 }
            }
            #expect(differing == 0)
        }
    }

    @Test func anotherTableIsNotServedFromTheCache() throws {
        let exchanges = try OpenStackFixture.exchanges("e-lifecycle")
        let cache = OpenStackRouteCache()
        for exchange in exchanges { _ = OpenStackCall(exchange: exchange, cache: cache) }
        // A table of one row naming every Glance call alike.
        let table = [OpenStackRoute(.glance, nil, "**", "anything")]
        let glance = exchanges.filter { OpenStackCall(exchange: $0).service == .glance }
        try #require(!glance.isEmpty)
        #expect(glance.allSatisfy { OpenStackCall(exchange: $0, routes: table, cache: cache).operation.rawValue == "anything" })
    }
}
