import TestSupport
import Testing
@testable import Timeline

/// `containsBytes` (memchr on an anchor byte, then memcmp) against a plain search, over random
/// texts from a small alphabet (so near misses are common) and needles that do and do not occur.
struct StringSearchTests {
    static func naive(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test func agreesWithAPlainSearch() {
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("ab-._1 ".utf8)
        func text(_ count: Int) -> [UInt8] { (0..<count).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] } }
        for round in 0..<4000 {
            let haystack = text(Int(rng.next() % 40))
            var needle = text(1 + Int(rng.next() % 6))
            if round % 3 == 0, haystack.count >= 3 {  // a needle cut from the text itself
                let start = Int(rng.next() % UInt64(haystack.count - 2))
                needle = Array(haystack[start..<min(haystack.count, start + 1 + Int(rng.next() % 5))])
            }
            let h = String(decoding: haystack, as: UTF8.self), n = String(decoding: needle, as: UTF8.self)
            #expect(h.containsBytes(n) == Self.naive(haystack, needle), "\(h) / \(n)")
        }
        #expect("x".containsBytes(""))
        #expect("id = 'a52addd3-f2a8'".containsBytes("a52addd3-f2a8"))
        #expect(!"a52addd3f2a8-".containsBytes("a52addd3-f2a8"))
        #expect("-abc".containsBytes("-abc") && !"-ab".containsBytes("-abc"))
    }
}
