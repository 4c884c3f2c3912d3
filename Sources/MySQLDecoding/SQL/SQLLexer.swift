/// Tokens of the small SQL subset row writes use.
package enum SQLToken: Equatable {
    case word(String)
    case string(String)
    case number(String)
    case symbol(String)
}

/// Splits SQL text into words, quoted strings (MySQL escapes resolved), numbers and symbols.
///
/// The package's one SQL lexer: the row-write parser reads tokens with it, the fingerprint and
/// the first-word traits use its byte classes and its verb (`SQLVerb`).
package struct SQLLexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var lookahead: SQLToken?? = nil

    package init(_ text: String) { scalars = Array(text.unicodeScalars) }

    package mutating func next() -> SQLToken? {
        if let pending = lookahead {
            lookahead = nil
            return pending
        }
        return scan()
    }

    package mutating func peek() -> SQLToken? {
        if let pending = lookahead { return pending }
        let token = scan()
        lookahead = .some(token)
        return token
    }

    package mutating func peekSymbol(_ s: String) -> Bool { peek() == .symbol(s) }

    /// Consumes the keyword if it is next.
    package mutating func nextWord(_ keyword: String) -> Bool {
        if case .word(let w)? = peek(), w.uppercased() == keyword {
            _ = next()
            return true
        }
        return false
    }

    private mutating func scan() -> SQLToken? {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
        guard position < scalars.count else { return nil }
        let c = scalars[position]
        if c == "'" || c == "\"" { return .string(quoted(c)) }
        if c == "`" {
            position += 1
            var word = ""
            while position < scalars.count, scalars[position] != "`" { word.unicodeScalars.append(scalars[position]); position += 1 }
            position += 1
            return .word(word)
        }
        if c.properties.isAlphabetic || c == "_" {
            var word = ""
            while position < scalars.count {
                let d = scalars[position]
                guard d.properties.isAlphabetic || d.properties.numericType != nil || d == "_" || d == "." || d == "`" || d == "$" else { break }
                word.unicodeScalars.append(d)
                position += 1
            }
            return .word(word)
        }
        if ("0"..."9").contains(c) {
            var number = ""
            while position < scalars.count {
                let d = scalars[position]
                guard ("0"..."9").contains(d) || d == "." || d == "e" || d == "E" else { break }
                number.unicodeScalars.append(d)
                position += 1
            }
            return .number(number)
        }
        position += 1
        return .symbol(String(c))
    }

    private mutating func quoted(_ quote: Unicode.Scalar) -> String {
        position += 1
        var out = ""
        while position < scalars.count {
            let c = scalars[position]
            if c == "\\", position + 1 < scalars.count {
                let e = scalars[position + 1]
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "0": out += "\0"
                case "Z": out += "\u{1A}"
                default: out.unicodeScalars.append(e)
                }
                position += 2
                continue
            }
            if c == quote {
                if position + 1 < scalars.count, scalars[position + 1] == quote {
                    out.unicodeScalars.append(quote)
                    position += 2
                    continue
                }
                position += 1
                return out
            }
            out.unicodeScalars.append(c)
            position += 1
        }
        return out
    }
}


// MARK: byte classes (Perl's `\s` and `\w`, ASCII), shared by every reader of SQL text

extension SQLLexer {
    @inline(__always)
    package static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0d).contains(b) }

    @inline(__always)
    package static func isWord(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5a).contains(b) || (0x61...0x7a).contains(b) || b == 0x5f
    }

    @inline(__always)
    package static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a }
}
