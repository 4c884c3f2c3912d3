extension SecretMask {
    /// A request query with the value of every secret-looking parameter masked: the JSON
    /// members' names (`password`, `token`, ...) and names ending in `token`, `password` or
    /// `secret` (`access_token`, `X-Auth-Token` put in a URL), compared case-insensitively.
    public static func maskedQuery(_ query: String) -> String {
        guard query.utf8.contains(UInt8(ascii: "=")) else { return query }
        // Every sensitive name contains one of these words: a query naming none (nearly every
        // query, `limit=5&marker=...`) is returned as it is, without splitting it (issue 25).
        guard mayNameSecret(query) else { return query }
        var changed = false
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> Substring in
            guard let equals = parameter.firstIndex(of: "=") else { return parameter }
            let name = parameter[..<equals].lowercased()
            let value = parameter[parameter.index(after: equals)...]
            guard !value.isEmpty, isSensitiveQueryName(name) else { return parameter }
            changed = true
            return Substring(parameter[...equals] + masked(String(value)))
        }
        return changed ? parameters.joined(separator: "&") : query
    }

    /// The words that every sensitive query name contains (`isSensitiveQueryName`), as ASCII:
    /// the sensitive JSON member names.
    private static let secretWords: [[UInt8]] = sensitiveJSONMembers.map { Array($0.utf8) }

    /// Whether `text` contains one of `secretWords`, ASCII letters compared case-insensitively;
    /// true for any non-ASCII text, whose Unicode lowercasing could make one (the Kelvin sign
    /// lowercases to `k`).
    static func mayNameSecret(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { bytes in
            if bytes.contains(where: { $0 >= 0x80 }) { return true }
            return secretWords.contains { word in
                guard bytes.count >= word.count else { return false }
                for start in 0...(bytes.count - word.count) {
                    var i = 0
                    while i < word.count, bytes[start + i] | 0x20 == word[i] { i += 1 }
                    if i == word.count { return true }
                }
                return false
            }
        }
    }

    static func isSensitiveQueryName(_ lowercasedName: String) -> Bool {
        sensitiveJSONMembers.contains(lowercasedName)
            || ["token", "password", "secret"].contains { lowercasedName.hasSuffix($0) }
    }
}
