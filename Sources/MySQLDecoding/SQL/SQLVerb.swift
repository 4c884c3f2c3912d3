/// A statement's first word, upper-cased and packed a letter a byte: what a command does
/// (`INSERT`, `COMMIT`, `SET` ...), found without building a String, since every command of a
/// capture is asked.
///
/// Blanks and `;` before the word are skipped and the word ends at the first byte that is not
/// a letter (`COMMIT;`, `SET@x`). A word of more than 8 letters matches no verb (`other`).
package struct SQLVerb: Hashable, Sendable {
    /// The letters, one a byte, the first in the highest used byte.
    package let packed: UInt64

    package init(packed: UInt64) { self.packed = packed }

    /// The verb of `statement`; nil when a non-ASCII byte comes first, which callers treat
    /// as "maybe anything".
    package init?(statement bytes: some Sequence<UInt8>) {
        var word: UInt64 = 0
        var letters = 0
        for byte in bytes {
            if byte >= 0x80 { return nil }
            if !SQLLexer.isLetter(byte) {
                if letters == 0, byte == 0x3B || SQLLexer.isSpace(byte) { continue }
                break
            }
            letters += 1
            if letters > 8 {
                word = UInt64.max
                break
            }
            word = word << 8 | UInt64(byte & ~0x20)
        }
        packed = word
    }

    package init?(statement: String) { self.init(statement: statement.utf8) }

    /// The verb of a word the lexer read (the whole word must be letters).
    package init?(word: String) {
        guard word.utf8.allSatisfy(SQLLexer.isLetter) else { return nil }
        self.init(statement: word.utf8)
    }

    private init(_ word: StaticString) {
        packed = word.withUTF8Buffer { $0.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }

    package static let insert = SQLVerb("INSERT")
    package static let update = SQLVerb("UPDATE")
    package static let delete = SQLVerb("DELETE")
    package static let commit = SQLVerb("COMMIT")
    package static let rollback = SQLVerb("ROLLBACK")
    package static let set = SQLVerb("SET")
    package static let show = SQLVerb("SHOW")
    package static let select = SQLVerb("SELECT")
    /// No verb: an empty statement (or one that starts with a symbol).
    package static let none = SQLVerb(packed: 0)
}
