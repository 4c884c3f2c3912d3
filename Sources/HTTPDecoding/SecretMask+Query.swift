#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SecretMask {
    /// A request query with the value of every secret-looking parameter masked: the JSON
    /// members' names (`password`, `token`, ...) and names ending in `token`, `password` or
    /// `secret` (`access_token`, `X-Auth-Token` put in a URL), compared case-insensitively.
    package static func maskedQuery(_ query: String) -> String {
        // Every sensitive name contains one of these words: a query naming none (nearly every
        // query, `limit=5&marker=...`) is returned as it is, without splitting it (issue 25).
        // One look at the bytes in place for both tests (every request with a query asks).
        var bytes = query
        let mayMask = bytes.withUTF8 { utf8 -> Bool in
            let raw = UnsafeRawBufferPointer(utf8)
            guard let base = raw.baseAddress, memchr(base, Int32(UInt8(ascii: "=")), raw.count) != nil else { return false }
            return mayNameSecret(raw)
        }
        guard mayMask else { return query }
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

    /// Whether `text` contains a sensitive JSON member name (the words that every sensitive
    /// query name contains), ASCII letters compared case-insensitively; true for non-ASCII text.
    static func mayNameSecret(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { mayNameSecret(UnsafeRawBufferPointer($0)) }
    }

    static func isSensitiveQueryName(_ lowercasedName: String) -> Bool {
        sensitiveJSONMembers.contains(lowercasedName)
            || ["token", "password", "secret"].contains { lowercasedName.hasSuffix($0) }
    }
}
