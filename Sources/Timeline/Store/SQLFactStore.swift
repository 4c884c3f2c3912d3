import CaptureIO
import MySQLDecoding

/// The SQL commands of an analysis (see `FactStore`).
package typealias SQLFactStore = FactStore<SQLFact>

/// What a pass can learn about a SQL command without decoding it.
package struct SQLFactTraits: OptionSet, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The server answered with an error.
    package static let error = SQLFactTraits(rawValue: 1)
    /// Result rows were kept (an image's row, see `ProtocolRouter.keptRows`).
    package static let keptRows = SQLFactTraits(rawValue: 2)
    /// Starts with INSERT, UPDATE or DELETE: perhaps a row write the timeline reads.
    package static let mayWrite = SQLFactTraits(rawValue: 4)
    /// COMMIT, ROLLBACK or SET (autocommit): what decides whether writes took effect.
    package static let transactionControl = SQLFactTraits(rawValue: 8)
}

extension SQLFact: SpillableFact {
    package static var pluralName: String { "SQL commands" }
    package static func encode(_ fact: SQLFact, into out: inout [UInt8]) { SQLFactCodec.encode(fact, into: &out) }
    package static func decode(_ bytes: UnsafeRawBufferPointer, index: Int) -> SQLFact? { SQLFactCodec.decode(bytes, index: index) }

    package static func traitBits(of fact: SQLFact) -> UInt8 {
        var traits: SQLFactTraits = []
        if case .error = fact.outcome { traits.insert(.error) }
        if !fact.keptRows.isEmpty { traits.insert(.keptRows) }
        let verb = fact.verb
        if verb.map(SQLFactStoreVerbs.controlsTransaction) ?? true { traits.insert(.transactionControl) }
        if verb.map(SQLFactStoreVerbs.writes) ?? true { traits.insert(.mayWrite) }
        return traits.rawValue
    }

    package static func lost(index: Int, time: Timestamp, end: Timestamp, connection: Int) -> SQLFact {
        SQLFact(index: index, time: time, end: end, connection: connection, client: "", user: nil, database: nil,
                command: .unread, statement: "(lost: the temporary file could not be read back)", outcome: .none)
    }
}

extension FactStore where Fact == SQLFact {
    /// A command's text and login, decoded without the rest of the fact.
    package struct Text: Sendable {
        package var user: String?
        package var database: String?
        package var statement: String
    }

    package func text(at position: Int) -> Text {
        partial(at: position) { SQLFactCodec.decodeText($0) } ?? Text(user: nil, database: nil, statement: "")
    }

    /// A command's kept result rows, decoded without the rest of the fact.
    package func keptRows(at position: Int) -> MySQLRows {
        partial(at: position) { SQLFactCodec.decodeRows($0) } ?? MySQLRows()
    }

    package func traits(at position: Int) -> SQLFactTraits { SQLFactTraits(rawValue: traitBits(at: position)) }
}

/// The verbs the timeline cares about, compared rather than looked up in a `Set`: every fact's
/// traits ask, and hashing the verb twice per fact showed in `sql`'s profile.
enum SQLFactStoreVerbs {
    static func writes(_ verb: SQLVerb) -> Bool { verb == .insert || verb == .update || verb == .delete }
    static func controlsTransaction(_ verb: SQLVerb) -> Bool { verb == .commit || verb == .rollback || verb == .set }
}
