/// A statement's shape with its literals abstracted, as pt-query-digest groups queries:
/// `SELECT * FROM images WHERE id = 'a' AND size > 10` -> `select * from images where id = ? and size > ?`.
///
/// The rules are pt-query-digest's (`QueryRewriter::fingerprint` in percona-toolkit 3.2), step by
/// step and on bytes, so that a summary of ours and one of pt-query-digest name the same groups;
/// the tests compare with `pt-fingerprint` itself. Two of its rules are left out: the special
/// cases for mysqldump and percona-toolkit's own queries, and the collapsing of `UNION`s of one
/// repeated SELECT (a back-reference match, quadratic on long statements).
package enum SQLFingerprint {
    package static func of(_ statement: String) -> String {
        var q = Array(statement.utf8)
        if q.starts(with: Array("administrator command: ".utf8)) { return statement }
        if let call = callName(q) { return String(decoding: lowercased(Array(call)), as: UTF8.self) }
        if let end = firstValuesGroupEnd(q) { q.removeSubrange(end...) }
        q = removingComments(q)
        if let use = usePrefix(q) { return String(decoding: use, as: UTF8.self) + "?" }
        q = removingEscapedQuotes(q)
        q = replacingQuoted(q, quote: UInt8(ascii: "\""))
        q = replacingQuoted(q, quote: UInt8(ascii: "'"))
        q = replacingNumbers(q)
        q = droppingNumberPrefixes(q)
        q = trimmedAndSqueezed(q)
        q = lowercased(q)
        q = replacingNull(q)
        q = collapsingLists(q)
        q = collapsingLimit(q)
        q = droppingAscAfterOrderBy(q)
        return String(decoding: q, as: UTF8.self)
    }

    // MARK: byte classes (Perl's, ASCII)

    static func isSpace(_ b: UInt8) -> Bool { SQLLexer.isSpace(b) }
    static func isWord(_ b: UInt8) -> Bool { SQLLexer.isWord(b) }
    static func lower(_ b: UInt8) -> UInt8 { (0x41...0x5a).contains(b) ? b | 0x20 : b }
    static func lowercased(_ q: [UInt8]) -> [UInt8] { q.map(lower) }

    /// Case-insensitive match of ASCII `word` at `i`.
    static func matches(_ q: [UInt8], _ i: Int, _ word: String) -> Bool {
        var j = i
        for w in word.utf8 {
            guard j < q.count, lower(q[j]) == lower(w) else { return false }
            j += 1
        }
        return true
    }

    /// One left-to-right pass of a global substitution (Perl's `s/.../.../g`): at each byte
    /// `match` either appends a replacement to `out` and returns where the match ends (past `i`),
    /// or returns nil, appending nothing, and the byte is copied.
    static func substituting(_ q: [UInt8], _ match: (_ i: Int, _ out: inout [UInt8]) -> Int?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(q.count)
        var i = 0
        while i < q.count {
            if let end = match(i, &out), end > i {
                i = end
            } else {
                out.append(q[i])
                i += 1
            }
        }
        return out
    }

    // MARK: steps

    /// `\A\s*(call\s+\S+)\(`: a stored procedure call is its name.
    static func callName(_ q: [UInt8]) -> ArraySlice<UInt8>? {
        var i = 0
        while i < q.count, isSpace(q[i]) { i += 1 }
        let start = i
        guard matches(q, i, "call") else { return nil }
        i += 4
        guard i < q.count, isSpace(q[i]) else { return nil }
        while i < q.count, isSpace(q[i]) { i += 1 }
        // \S+ is greedy, then backs off to the last "(" of the run.
        var end = i
        while end < q.count, !isSpace(q[end]) { end += 1 }
        guard let paren = q[i..<end].lastIndex(of: UInt8(ascii: "(")), paren > i else { return nil }
        return q[start..<paren]
    }

    /// `\A((?:INSERT|REPLACE)(?: IGNORE)?\s+INTO.+?VALUES\s*\(.*?\))\s*,\s*\(`: where a multi-row
    /// INSERT's first row ends (the rest is cut before anything else).
    static func firstValuesGroupEnd(_ q: [UInt8]) -> Int? {
        var i: Int
        if matches(q, 0, "insert") { i = 6 } else if matches(q, 0, "replace") { i = 7 } else { return nil }
        if matches(q, i, " ignore") { i += 7 }
        guard i < q.count, isSpace(q[i]) else { return nil }
        while i < q.count, isSpace(q[i]) { i += 1 }
        guard matches(q, i, "into") else { return nil }
        i += 4
        // `.+?VALUES`: at least one byte, then the earliest VALUES that leads to a match. A long
        // statement may say VALUES many times (a blob); a handful of tries is plenty.
        var tries = 0
        var v = i + 1
        while v + 6 <= q.count, tries < 16 {
            defer { v += 1 }
            guard matches(q, v, "values") else { continue }
            tries += 1
            var p = v + 6
            while p < q.count, isSpace(q[p]) { p += 1 }
            guard p < q.count, q[p] == UInt8(ascii: "(") else { continue }
            var close = p + 1
            while close < q.count {
                if q[close] == UInt8(ascii: ")") {
                    var k = close + 1
                    while k < q.count, isSpace(q[k]) { k += 1 }
                    if k < q.count, q[k] == UInt8(ascii: ",") {
                        k += 1
                        while k < q.count, isSpace(q[k]) { k += 1 }
                        if k < q.count, q[k] == UInt8(ascii: "(") { return close + 1 }
                    }
                }
                close += 1
            }
        }
        return nil
    }

    /// `/\*[^!].*?\*/` (not `/*!version */`), then `(?:--|#)[^'"\r\n]*(?=[\r\n]|\Z)`.
    static func removingComments(_ q: [UInt8]) -> [UInt8] {
        let out = substituting(q) { i, _ in
            guard q[i] == UInt8(ascii: "/"), i + 2 < q.count, q[i + 1] == UInt8(ascii: "*"), q[i + 2] != UInt8(ascii: "!") else { return nil }
            var j = i + 3
            while j + 1 < q.count, !(q[j] == UInt8(ascii: "*") && q[j + 1] == UInt8(ascii: "/")) { j += 1 }
            return j + 1 < q.count ? j + 2 : nil
        }
        return substituting(out) { i, _ in
            let dash = out[i] == UInt8(ascii: "-") && i + 1 < out.count && out[i + 1] == UInt8(ascii: "-")
            guard dash || out[i] == UInt8(ascii: "#") else { return nil }
            var j = i + (dash ? 2 : 1)
            while j < out.count, out[j] != UInt8(ascii: "'"), out[j] != UInt8(ascii: "\""),
                  out[j] != 0x0d, out[j] != 0x0a { j += 1 }
            return j == out.count || out[j] == 0x0d || out[j] == 0x0a ? j : nil
        }
    }

    /// `\Ause \S+\Z` -> `use ?` (the prefix as written, then "?").
    static func usePrefix(_ q: [UInt8]) -> ArraySlice<UInt8>? {
        guard matches(q, 0, "use "), q.count > 4 else { return nil }
        var end = q.count
        if q.last == 0x0a { end -= 1 }
        guard end > 4, !q[4..<end].contains(where: isSpace) else { return nil }
        return q[0..<4]
    }

    /// `\\["']` deleted.
    static func removingEscapedQuotes(_ q: [UInt8]) -> [UInt8] {
        substituting(q) { i, _ in
            guard q[i] == UInt8(ascii: "\\"), i + 1 < q.count, q[i + 1] == UInt8(ascii: "\"") || q[i + 1] == UInt8(ascii: "'") else { return nil }
            return i + 2
        }
    }

    /// `".*?"` (or with `'`) -> `?`; an unclosed quote stays.
    static func replacingQuoted(_ q: [UInt8], quote: UInt8) -> [UInt8] {
        substituting(q) { i, out in
            guard q[i] == quote, let close = q[(i + 1)...].firstIndex(of: quote) else { return nil }
            out.append(UInt8(ascii: "?"))
            return close + 1
        }
    }

    /// `[0-9+-][0-9a-f.xb+-]*` -> `?` (case-sensitive, embedded digits included, as pt does).
    static func replacingNumbers(_ q: [UInt8]) -> [UInt8] {
        func starts(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") }
        func continues(_ b: UInt8) -> Bool {
            starts(b) || (0x61...0x66).contains(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "x") || b == UInt8(ascii: "b")
        }
        return substituting(q) { i, out in
            guard starts(q[i]) else { return nil }
            var end = i + 1
            while end < q.count, continues(q[end]) { end += 1 }
            out.append(UInt8(ascii: "?"))
            return end
        }
    }

    /// `[xb.+-]\?` -> `?`, one pass left to right.
    static func droppingNumberPrefixes(_ q: [UInt8]) -> [UInt8] {
        substituting(q) { i, out in
            let b = q[i]
            guard b == UInt8(ascii: "x") || b == UInt8(ascii: "b") || b == UInt8(ascii: ".") || b == UInt8(ascii: "+")
                || b == UInt8(ascii: "-"), i + 1 < q.count, q[i + 1] == UInt8(ascii: "?") else { return nil }
            out.append(UInt8(ascii: "?"))
            return i + 2
        }
    }

    /// Leading `\s+` off, one trailing newline off, runs of ` \n\t\r\f` -> one space.
    static func trimmedAndSqueezed(_ q: [UInt8]) -> [UInt8] {
        var start = 0
        while start < q.count, isSpace(q[start]) { start += 1 }
        var end = q.count
        if end > start, q[end - 1] == 0x0a { end -= 1 }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var inRun = false
        for b in q[start..<end] {
            let squeezed = b == 0x20 || b == 0x0a || b == 0x09 || b == 0x0d || b == 0x0c
            if squeezed {
                if !inRun { out.append(0x20) }
                inRun = true
            } else {
                out.append(b)
                inRun = false
            }
        }
        return out
    }

    /// `\bnull\b` -> `?`.
    static func replacingNull(_ q: [UInt8]) -> [UInt8] {
        substituting(q) { i, out in
            guard (i == 0 || !isWord(q[i - 1])), matches(q, i, "null"), i + 4 == q.count || !isWord(q[i + 4]) else { return nil }
            out.append(UInt8(ascii: "?"))
            return i + 4
        }
    }

    /// `\b(in|values?)(?:[\s,]*\([\s?,]*\))+` -> `$1(?+)`.
    static func collapsingLists(_ q: [UInt8]) -> [UInt8] {
        substituting(q) { i, out in
            guard i == 0 || !isWord(q[i - 1]) else { return nil }
            // The longest keyword first, as the greedy `s?` tries.
            for keyword in ["values", "value", "in"] where matches(q, i, keyword) {
                let afterKeyword = i + keyword.utf8.count
                var end = afterKeyword
                var groups = 0
                while true {
                    var k = end
                    while k < q.count, isSpace(q[k]) || q[k] == UInt8(ascii: ",") { k += 1 }
                    guard k < q.count, q[k] == UInt8(ascii: "(") else { break }
                    k += 1
                    while k < q.count, isSpace(q[k]) || q[k] == UInt8(ascii: "?") || q[k] == UInt8(ascii: ",") { k += 1 }
                    guard k < q.count, q[k] == UInt8(ascii: ")") else { break }
                    end = k + 1
                    groups += 1
                }
                if groups > 0 {
                    out += q[i..<afterKeyword]
                    out += Array("(?+)".utf8)
                    return end
                }
            }
            return nil
        }
    }

    /// The first `\blimit \?(?:, ?\?| offset \?)?` -> `limit ?`.
    static func collapsingLimit(_ q: [UInt8]) -> [UInt8] {
        var i = 0
        while i + 7 <= q.count {
            if (i == 0 || !isWord(q[i - 1])), matches(q, i, "limit ?") {
                var end = i + 7
                if matches(q, end, ", ?") { end += 3 } else if matches(q, end, ",?") { end += 2 } else if matches(q, end, " offset ?") { end += 9 }
                return Array(q[..<i]) + Array("limit ?".utf8) + Array(q[end...])
            }
            i += 1
        }
        return q
    }

    /// After the first `order by `, every `\s+asc` goes (pt's loop; it also eats the "asc" of a
    /// longer word, which we keep for the sake of identical groups).
    static func droppingAscAfterOrderBy(_ q: [UInt8]) -> [UInt8] {
        var anchor: Int?
        var i = 0
        while i + 9 <= q.count {
            if (i == 0 || !isWord(q[i - 1])), matches(q, i, "order by ") { anchor = i + 9; break }
            i += 1
        }
        guard let anchor else { return q }
        var out = Array(q[..<anchor])
        var j = anchor
        // Where the last match ended: `(.+?)` needs a byte of its own before the next blanks.
        var lastEnd = anchor
        while j < q.count {
            if j > lastEnd, isSpace(q[j]) {
                var k = j
                while k < q.count, isSpace(q[k]) { k += 1 }
                if matches(q, k, "asc") {
                    j = k + 3
                    lastEnd = j
                    continue
                }
            }
            out.append(q[j])
            j += 1
        }
        return out
    }
}
