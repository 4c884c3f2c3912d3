import CaptureIO

/// The SQL commands of an analysis, in start order, held on disk with a small index in memory.
///
/// A busy database connection pool puts a hundred thousand commands in a 2 GB capture; as values
/// they would cost a couple of hundred megabytes, more than everything else together. The store
/// keeps each command encoded in a `SpillFile` and, per command, only what the passes over them
/// test most (start and end time, connection, `Traits`): 40 bytes. Reading an element decodes it
/// again, so loops read each element once and keep what they need.
///
/// Thread safety: a store is filled by the pipeline's thread and read by the report's, one after
/// the other, never at once (reading moves the spill file's read-ahead buffer).
public final class SQLFactStore: RandomAccessCollection, ExpressibleByArrayLiteral, @unchecked Sendable {
    /// What a pass can learn about a command without decoding it.
    public struct Traits: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The server answered with an error.
        public static let error = Traits(rawValue: 1)
        /// Result rows were kept (an image's row, see `ProtocolRouter.keptRows`).
        public static let keptRows = Traits(rawValue: 2)
        /// Starts with INSERT, UPDATE or DELETE: perhaps a row write the timeline reads.
        public static let mayWrite = Traits(rawValue: 4)
        /// COMMIT, ROLLBACK or SET (autocommit): what decides whether writes took effect.
        public static let transactionControl = Traits(rawValue: 8)
    }

    private struct Entry {
        var time: Int64
        var end: Int64
        var connection: Int32
        /// Append order: ties in time and connection keep it.
        var sequence: Int32
        var offset: Int
        var length: UInt32
        var traits: Traits
    }

    private var entries: [Entry] = []
    private let spill: SpillFile

    /// `spillDirectory` overrides `$TMPDIR` for the temporary file.
    public init(spillDirectory: String? = nil) {
        spill = SpillFile(directory: spillDirectory)
    }

    /// A store of `facts` in the given order (positions are the array's).
    public convenience init(_ facts: [SQLFact]) {
        self.init()
        for fact in facts { append(fact) }
    }

    public convenience init(arrayLiteral facts: SQLFact...) {
        self.init(facts)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }

    /// The command at `position`, decoded from the spill; its `index` is `position`.
    public subscript(position: Int) -> SQLFact {
        let entry = entries[position]
        let fact = spill.withBytes(at: entry.offset, length: Int(entry.length)) { SQLFactCodec.decode($0, index: position) }
        if let fact = fact ?? nil { return fact }
        // Only an unreadable temporary file gets here; say so in the place of the statement.
        let time = Timestamp(nanoseconds: entry.time)
        return SQLFact(index: position, time: time, end: Timestamp(nanoseconds: entry.end),
                       connection: Int(entry.connection), client: "", user: nil, database: nil, command: "?",
                       statement: "(lost: the temporary file could not be read back)", outcome: .none)
    }

    /// A command's text and login, decoded without the rest of the fact.
    public struct Text: Sendable {
        public var user: String?
        public var database: String?
        public var statement: String
    }

    public func text(at position: Int) -> Text {
        let entry = entries[position]
        let text = spill.withBytes(at: entry.offset, length: Int(entry.length)) { SQLFactCodec.decodeText($0) }
        return (text ?? nil) ?? Text(user: nil, database: nil, statement: "")
    }

    public func time(at position: Int) -> Timestamp { Timestamp(nanoseconds: entries[position].time) }
    public func end(at position: Int) -> Timestamp { Timestamp(nanoseconds: entries[position].end) }
    public func connection(at position: Int) -> Int { Int(entries[position].connection) }
    public func traits(at position: Int) -> Traits { entries[position].traits }

    /// Why commands are held in memory after all, when the temporary file failed.
    public var warning: String? { spill.failure }

    public func append(_ fact: SQLFact) {
        let (offset, length) = spill.append { SQLFactCodec.encode(fact, into: &$0) }
        entries.append(Entry(time: fact.time.nanoseconds, end: fact.end.nanoseconds,
                             connection: Int32(clamping: fact.connection), sequence: Int32(clamping: entries.count),
                             offset: offset, length: UInt32(clamping: length), traits: SQLFactStore.traits(of: fact)))
    }

    /// Puts the commands in start order (ties: connection, then arrival), which makes position
    /// the `index` every report refers to.
    public func sortByStart() {
        entries.sort { ($0.time, $0.connection, $0.sequence) < ($1.time, $1.connection, $1.sequence) }
    }

    /// Positions in start order, for a store that was not sorted (one built from facts in any order).
    public func positionsByStart() -> [Int] {
        var sorted = true
        for i in entries.indices.dropFirst() where entries[i].time < entries[i - 1].time { sorted = false; break }
        if sorted { return Array(indices) }
        return indices.sorted { entries[$0].time < entries[$1].time }
    }

    static func traits(of fact: SQLFact) -> Traits {
        var traits: Traits = []
        if case .error = fact.outcome { traits.insert(.error) }
        if !fact.rows.isEmpty { traits.insert(.keptRows) }
        switch SQLTransactionLog.leadingKeyword(fact.statement) {
        case "COMMIT", "ROLLBACK", "SET": traits.insert(.transactionControl)
        default: break
        }
        if mayWrite(fact.statement) { traits.insert(.mayWrite) }
        return traits
    }

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
        return letters == 6 && SQLFactStore.writeVerbs.contains(word)
    }

    private static let writeVerbs: Set<UInt64> = Set(["INSERT", "UPDATE", "DELETE"].map { verb in
        verb.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    })
}
