import CaptureIO

/// The SQL commands of an analysis (see `FactStore`).
public typealias SQLFactStore = FactStore<SQLFact>

/// What a pass can learn about a SQL command without decoding it.
public struct SQLFactTraits: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The server answered with an error.
    public static let error = SQLFactTraits(rawValue: 1)
    /// Result rows were kept (an image's row, see `ProtocolRouter.keptRows`).
    public static let keptRows = SQLFactTraits(rawValue: 2)
    /// Starts with INSERT, UPDATE or DELETE: perhaps a row write the timeline reads.
    public static let mayWrite = SQLFactTraits(rawValue: 4)
    /// COMMIT, ROLLBACK or SET (autocommit): what decides whether writes took effect.
    public static let transactionControl = SQLFactTraits(rawValue: 8)
}

extension SQLFact: SpillableFact {
    public static var pluralName: String { "SQL commands" }
    public static func encode(_ fact: SQLFact, into out: inout [UInt8]) { SQLFactCodec.encode(fact, into: &out) }
    public static func decode(_ bytes: UnsafeRawBufferPointer, index: Int) -> SQLFact? { SQLFactCodec.decode(bytes, index: index) }

    public static func traitBits(of fact: SQLFact) -> UInt8 {
        var traits: SQLFactTraits = []
        if case .error = fact.outcome { traits.insert(.error) }
        if !fact.rows.isEmpty { traits.insert(.keptRows) }
        switch SQLTransactionLog.leadingKeyword(fact.statement) {
        case "COMMIT", "ROLLBACK", "SET": traits.insert(.transactionControl)
        default: break
        }
        if SQLFactStore.mayWrite(fact.statement) { traits.insert(.mayWrite) }
        return traits.rawValue
    }

    public static func lost(index: Int, time: Timestamp, end: Timestamp, connection: Int) -> SQLFact {
        SQLFact(index: index, time: time, end: end, connection: connection, client: "", user: nil, database: nil,
                command: "?", statement: "(lost: the temporary file could not be read back)", outcome: .none)
    }
}

extension FactStore where Fact == SQLFact {
    /// A command's text and login, decoded without the rest of the fact.
    public struct Text: Sendable {
        public var user: String?
        public var database: String?
        public var statement: String
    }

    public func text(at position: Int) -> Text {
        partial(at: position) { SQLFactCodec.decodeText($0) } ?? Text(user: nil, database: nil, statement: "")
    }

    public func traits(at position: Int) -> SQLFactTraits { SQLFactTraits(rawValue: traitBits(at: position)) }

    /// False only when the first word is certainly not one of the verbs `SQLWriteStatement` parses
    /// (INSERT, UPDATE, DELETE); anything unusual counts as a possible write and gets parsed.
    static func mayWrite(_ statement: String) -> Bool {
        var word: UInt64 = 0
        var letters = 0
        for byte in statement.utf8 {
            if byte >= 0x80 { return true }
            let isLetter = (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a
            if !isLetter {
                if letters == 0, byte == 0x20 || (0x09...0x0d).contains(byte) { continue }
                break
            }
            letters += 1
            if letters > 6 { return false }
            word = word << 8 | UInt64(byte & ~0x20)
        }
        return letters == 6 && SQLFactStoreVerbs.writeVerbs.contains(word)
    }
}

/// INSERT, UPDATE and DELETE as 48-bit words (a generic type has no stored statics).
enum SQLFactStoreVerbs {
    static let writeVerbs: Set<UInt64> = Set(["INSERT", "UPDATE", "DELETE"].map { verb in
        verb.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    })
}
