#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Timeline

/// Counts texts met as stored bytes (a fact's service, say): a summary line counts a field of
/// every one of a few hundred thousand facts, and a String per fact, or the fact decoded whole
/// to reach it, cost more than the rest of the report. The distinct texts are few (a handful of
/// service names), so they are searched in order, most recent first.
struct StoredTextTally {
    private var texts: [[UInt8]] = []
    private var counts: [Int] = []
    /// Where the previous text was found: runs of one text are the rule.
    private var last = 0

    mutating func add(_ text: StoredText) {
        if texts.indices.contains(last), Self.equal(texts[last], text) {
            counts[last] &+= 1
            return
        }
        for i in texts.indices where Self.equal(texts[i], text) {
            counts[i] &+= 1
            last = i
            return
        }
        texts.append(Array(text))
        counts.append(1)
        last = texts.count &- 1
    }

    /// Adds the counts to `tally`, each under its text as a String (texts that Swift holds
    /// equal count together, as counting by String would have).
    func add(to tally: inout [String: Int]) {
        for (text, count) in zip(texts, counts) { tally[String(decoding: text, as: UTF8.self), default: 0] += count }
    }

    private static func equal(_ known: [UInt8], _ text: StoredText) -> Bool {
        guard known.count == text.count else { return false }
        guard let base = text.baseAddress, !known.isEmpty else { return true }
        return known.withUnsafeBytes { known in known.baseAddress.map { memcmp($0, base, text.count) == 0 } ?? false }
    }
}
