import MySQLDecoding

/// A row write recognised in a SQL statement: the table, the columns it sets, and for an
/// UPDATE the equality conditions of its WHERE clause.
///
/// Only what Glance's SQLAlchemy emits needs to be understood (`INSERT INTO t (cols) VALUES
/// (...)`, `UPDATE t SET c=v, ... WHERE t.c = v AND ...`, `DELETE FROM t WHERE ...`), but any
/// statement may come by: unknown shapes give nil, never a wrong answer.
package struct SQLWriteStatement: Equatable, Sendable {
    /// The statement's verb.
    package enum Kind: String, Sendable { case insert, update, delete }

    /// INSERT, UPDATE or DELETE.
    package var kind: Kind
    /// The table written (unquoted).
    package var table: String
    /// Column -> value; nil for SQL NULL. Values are literal text (quotes removed, escapes resolved).
    package var values: [String: String?]
    /// `WHERE` equalities joined by AND (qualified names reduced to the column).
    package var conditions: [String: String?]

    /// A write from its parts (tests, and the parser).
    package init(kind: Kind, table: String, values: [String: String?], conditions: [String: String?]) {
        self.kind = kind
        self.table = table
        self.values = values
        self.conditions = conditions
    }

    /// Parses `statement`, or returns nil when it is not a row write of a recognised shape.
    package init?(parsing statement: String) {
        var lexer = SQLLexer(statement)
        guard case .word(let verb)? = lexer.next() else { return nil }
        switch SQLVerb(word: verb) {
        case .insert:
            _ = lexer.nextWord("INTO")
            guard let table = SQLWriteStatement.tableName(&lexer) else { return nil }
            guard let columns = SQLWriteStatement.parenthesisedList(&lexer, words: true) else { return nil }
            guard lexer.nextWord("VALUES") || lexer.nextWord("VALUE") else { return nil }
            guard let values = SQLWriteStatement.parenthesisedList(&lexer, words: false),
                  values.count == columns.count else { return nil }
            var map: [String: String?] = [:]
            for (column, value) in zip(columns, values) { if let column { map[column] = value } }
            self.init(kind: .insert, table: table, values: map, conditions: [:])
        case .update:
            guard let table = SQLWriteStatement.tableName(&lexer), lexer.nextWord("SET") else { return nil }
            var map: [String: String?] = [:]
            while true {
                guard let (column, value) = SQLWriteStatement.assignment(&lexer) else { return nil }
                map[column] = value
                if lexer.peekSymbol(",") { _ = lexer.next(); continue }
                break
            }
            let conditions = SQLWriteStatement.whereEqualities(&lexer)
            self.init(kind: .update, table: table, values: map, conditions: conditions)
        case .delete:
            guard lexer.nextWord("FROM"), let table = SQLWriteStatement.tableName(&lexer) else { return nil }
            self.init(kind: .delete, table: table, values: [:], conditions: SQLWriteStatement.whereEqualities(&lexer))
        default:
            return nil
        }
    }

    /// A value of `values`, flattened: nil when absent or NULL.
    package func value(_ column: String) -> String? { values[column] ?? nil }
    /// The value `column` must equal in the WHERE clause; nil when it has no such condition or it is NULL.
    package func condition(_ column: String) -> String? { conditions[column] ?? nil }

    private static func tableName(_ lexer: inout SQLLexer) -> String? {
        guard case .word(let name)? = lexer.next() else { return nil }
        return unqualified(name)
    }

    private static func unqualified(_ name: String) -> String {
        let trimmed = name.replacingBackticks()
        if let dot = trimmed.lastIndex(of: ".") { return String(trimmed[trimmed.index(after: dot)...]) }
        return trimmed
    }

    /// `( a, b, c )`: words (column names) or literals; nil entries for NULL / non-literals.
    private static func parenthesisedList(_ lexer: inout SQLLexer, words: Bool) -> [String?]? {
        guard lexer.peekSymbol("(") else { return nil }
        _ = lexer.next()
        var items: [String?] = []
        while let token = lexer.next() {
            switch token {
            case .symbol(")"):
                return items
            case .symbol(","):
                continue
            case .word(let w):
                if words { items.append(unqualified(w)) } else { items.append(w.uppercased() == "NULL" ? nil : w) }
            case .string(let s):
                items.append(s)
            case .number(let n):
                items.append(n)
            case .symbol:
                // An expression (function call, arithmetic): not a plain literal list.
                return nil
            }
        }
        return nil
    }

    private static func assignment(_ lexer: inout SQLLexer) -> (String, String?)? {
        guard case .word(let column)? = lexer.next(), lexer.peekSymbol("=") else { return nil }
        _ = lexer.next()
        guard let value = literal(&lexer) else { return nil }
        return (unqualified(column), value)
    }

    /// A literal: `.some(nil)` for NULL, nil when the token is not a literal.
    private static func literal(_ lexer: inout SQLLexer) -> String??  {
        switch lexer.next() {
        case .string(let s)?: return .some(s)
        case .number(let n)?: return .some(n)
        case .word(let w)? where w.uppercased() == "NULL": return .some(nil)
        case .word(let w)? where w.uppercased() == "TRUE": return .some("1")
        case .word(let w)? where w.uppercased() == "FALSE": return .some("0")
        case .symbol("-")?:
            if case .number(let n)? = lexer.next() { return .some("-" + n) }
            return nil
        default: return nil
        }
    }

    private static func whereEqualities(_ lexer: inout SQLLexer) -> [String: String?] {
        var conditions: [String: String?] = [:]
        guard lexer.nextWord("WHERE") else { return conditions }
        while true {
            guard case .word(let column)? = lexer.next(), lexer.peekSymbol("=") else { return conditions }
            _ = lexer.next()
            guard let value = literal(&lexer) else { return conditions }
            conditions[unqualified(column)] = value
            guard lexer.nextWord("AND") else { return conditions }
        }
    }
}

extension String {
    fileprivate func replacingBackticks() -> String { filter { $0 != "`" } }
}
