/// Binds Execute's parameters into a prepared statement's text, as MariaDB's general log and
/// pt-query-digest show it: each `?` marker outside quotes and comments becomes a literal.
enum MySQLStatementBinder {
    /// Replaces the markers in order; markers without a parameter stay `?`, and an output over
    /// `limit` bytes is cut (the caller notes it).
    static func bind(_ text: String, parameters: [String], limit: Int) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count &+ parameters.count &* 8)
        var next = 0
        var quote: UInt8 = 0
        var lineComment = false
        var blockComment = false
        var previous: UInt8 = 0
        var escaped = false
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            defer { i &+= 1 }
            if out.count > limit { break }
            if lineComment {
                out.append(b)
                if b == 0x0a { lineComment = false }
                continue
            }
            if blockComment {
                out.append(b)
                if previous == UInt8(ascii: "*") && b == UInt8(ascii: "/") { blockComment = false; previous = 0 } else { previous = b }
                continue
            }
            if quote != 0 {
                out.append(b)
                if escaped { escaped = false } else if b == 0x5c && quote != UInt8(ascii: "`") { escaped = true } else if b == quote { quote = 0 }
                continue
            }
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                quote = b
                out.append(b)
            case UInt8(ascii: "#"):
                lineComment = true
                out.append(b)
            case UInt8(ascii: "-") where i &+ 2 < bytes.count && bytes[i &+ 1] == UInt8(ascii: "-")
                && (bytes[i &+ 2] == 0x20 || bytes[i &+ 2] == 0x09 || bytes[i &+ 2] == 0x0a):
                lineComment = true
                out.append(b)
            case UInt8(ascii: "/") where i &+ 1 < bytes.count && bytes[i &+ 1] == UInt8(ascii: "*"):
                blockComment = true
                previous = 0
                out.append(b)
                out.append(bytes[i &+ 1])
                i &+= 1
            case UInt8(ascii: "?") where next < parameters.count:
                out.append(contentsOf: parameters[next].utf8)
                next &+= 1
            default:
                out.append(b)
            }
        }
        if out.count > limit { out.removeSubrange(limit...) }
        return String(decoding: out, as: UTF8.self)
    }
}
