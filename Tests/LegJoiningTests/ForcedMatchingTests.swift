import LegJoining
import Testing

@Suite struct ForcedMatchingTests {
    static func links(_ pairs: [(Int, Int)]) -> [(front: Int, back: Int)] { pairs.map { (front: $0.0, back: $0.1) } }
    static func forced(_ pairs: [(Int, Int)]) -> [String] {
        ForcedMatching.forced(links(pairs)).map { "\($0.front)->\($0.back)" }
    }

    @Test func aLoneCandidateIsCertain() {
        #expect(Self.forced([(0, 1)]) == ["0->1"])
    }

    @Test func aSquareOfLookAlikesIsNot() {
        #expect(Self.forced([(0, 2), (0, 3), (1, 2), (1, 3)]).isEmpty)
    }

    @Test func oneBackForTwoFrontsIsNot() {
        #expect(Self.forced([(0, 2), (1, 2)]).isEmpty)
    }

    @Test func theOnlyCompletePairingIsCertain() {
        // Front 1 can only have back 3, so back 2 goes to front 0.
        #expect(Self.forced([(0, 2), (0, 3), (1, 3)]) == ["0->2", "1->3"])
    }

    @Test func chainsPairEachHopWithTheNext() {
        // 0 -> 1 -> 2, with 2 also nested in 0.
        #expect(Self.forced([(0, 1), (0, 2), (1, 2)]) == ["0->1", "1->2"])
    }

    @Test func componentsAreSettledApart() {
        #expect(Self.forced([(0, 1), (2, 4), (2, 5), (3, 4), (3, 5), (6, 7)]) == ["0->1", "6->7"])
    }

    @Test func aLongRunOfOverlappingLookAlikesStaysFast() {
        // Each front may take its own back or the next one, but the last front has only its own:
        // one complete pairing, found through a chain of 500.
        var pairs: [(Int, Int)] = []
        let n = 500
        for i in 0..<n { pairs.append((i, n + i)); if i + 1 < n { pairs.append((i, n + i + 1)) } }
        #expect(Self.forced(pairs).count == n)
        // One more back at the end, and every front may shift: nothing is certain.
        pairs.append((n - 1, 2 * n))
        #expect(Self.forced(pairs).isEmpty)
    }
}
