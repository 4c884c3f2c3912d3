import CaptureIO

/// A fact a `FactStore` can keep on disk: its byte form, and the few flags a pass may test
/// without decoding it.
public protocol SpillableFact: Sendable {
    var time: Timestamp { get }
    var end: Timestamp { get }
    var connection: Int { get }
    static func encode(_ fact: Self, into out: inout [UInt8])
    /// nil when the bytes are not what `encode` wrote.
    static func decode(_ bytes: UnsafeRawBufferPointer, index: Int) -> Self?
    static func traitBits(of fact: Self) -> UInt8
    /// Stands in for a fact the temporary file could not give back.
    static func lost(index: Int, time: Timestamp, end: Timestamp, connection: Int) -> Self
    /// What a store of these holds, in words ("SQL commands").
    static var pluralName: String { get }
    /// The part of a fact that cannot go to disk (an upload's digests, still being computed):
    /// the store keeps it in memory and hands it back to `attach` with the decoded fact.
    static func companion(of fact: Self) -> AnyObject?
    static func attach(_ companion: AnyObject, to fact: inout Self)
}

extension SpillableFact {
    @inlinable package static func companion(of fact: Self) -> AnyObject? { nil }
    @inlinable package static func attach(_ companion: AnyObject, to fact: inout Self) {}
}

/// The facts of an analysis (HTTP exchanges, SQL commands), in start order, held on disk with a
/// small index in memory.
///
/// A capture holds any number of them: a busy database pool puts a hundred thousand SQL commands
/// in 2 GB, a load test a million HTTP requests; as values they would cost more than everything
/// else together. The store keeps each fact encoded in its `FactBytes` (a temporary file) and, per fact, only what the
/// passes over them test most (start and end time, connection, trait bits): 40 bytes. Reading an
/// element decodes it again, so loops read each element once and keep what they need.
///
/// Thread safety: a store is filled by the pipeline's thread and read by the report's, one after
/// the other, never at once (reading moves the spill file's read-ahead buffer).
///
/// Speed: `Analysis` appends every fact and `Reports` reads every one, from other modules, and a
/// generic type's methods are specialised for `SQLFact` and `HTTPFact` only where their bodies
/// can be seen. So the per-fact members are `@inlinable` and the type is `public` (with its
/// protocols): the compiler does not serialise the inlinable bodies of a `package` type's members
/// (Swift 6.3, no library evolution). Without it every append and read ran the unspecialised
/// generic code and its metadata look-ups (`sql` on the 2 GB benchmark capture 4% slower than
/// when the store and its writer were in one module).
public final class FactStore<Fact: SpillableFact>: RandomAccessCollection, ExpressibleByArrayLiteral, @unchecked Sendable {
    /// Not nested in the generic class (see `FactStoreEntry`).
    @usableFromInline typealias Entry = FactStoreEntry

    /// Written only by this file and `init(merging:)` (`@usableFromInline` for the inlinable members).
    @usableFromInline var entries: [Entry] = []
    @usableFromInline let spill: any FactBytes
    /// By `Entry.sequence`: few facts have one (uploads).
    @usableFromInline var companions: [Int32: AnyObject] = [:]

    /// A store whose bytes go to `storage` (`Analysis`'s temporary file); in memory by default.
    package init(storage: any FactBytes) {
        spill = storage
    }

    /// A store that keeps its facts' bytes in memory (a few facts: tests, a live window).
    package convenience init() {
        self.init(storage: InMemoryFactBytes())
    }

    /// A store of `facts` in the given order (positions are the array's).
    package convenience init(_ facts: [Fact]) {
        self.init()
        for fact in facts { append(fact) }
    }

    public convenience init(arrayLiteral facts: Fact...) {
        self.init(facts)
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { entries.count }
    /// Stated, not the collection's generic default (a distance through its indices: a fiftieth
    /// of an API-heavy run asked it once per exchange).
    @inlinable public var count: Int { entries.count }

    /// The fact at `position`, decoded from the spill; its `index` is `position`.
    @inlinable public subscript(position: Int) -> Fact {
        fact(at: position, decode: Fact.decode)
    }

    /// The fact at `position`, decoded by `decode` (given the bytes and the position).
    @inlinable func fact(at position: Int, decode: (UnsafeRawBufferPointer, Int) -> Fact?) -> Fact {
        let entry = entries[position]
        let decoded = spill.withBytes(at: entry.offset, length: Int(entry.length)) { decode($0, position) }
        // Only an unreadable temporary file makes a lost fact.
        var fact = (decoded ?? nil) ?? Fact.lost(index: position, time: Timestamp(nanoseconds: entry.time),
                                                   end: Timestamp(nanoseconds: entry.end), connection: Int(entry.connection))
        if !companions.isEmpty, let companion = companions[entry.sequence] { Fact.attach(companion, to: &fact) }
        return fact
    }

    /// Decodes with `decode` from the fact's bytes (a part of the fact, without building the rest).
    @inlinable func partial<T>(at position: Int, _ decode: (UnsafeRawBufferPointer) -> T?) -> T? {
        let entry = entries[position]
        return spill.withBytes(at: entry.offset, length: Int(entry.length), decode) ?? nil
    }

    @inlinable package func time(at position: Int) -> Timestamp { Timestamp(nanoseconds: entries[position].time) }
    @inlinable package func end(at position: Int) -> Timestamp { Timestamp(nanoseconds: entries[position].end) }
    @inlinable package func connection(at position: Int) -> Int { Int(entries[position].connection) }
    @inlinable func traitBits(at position: Int) -> UInt8 { entries[position].traits }

    /// Why facts are held in memory after all, when the temporary file failed.
    package var warning: String? { spill.failure }

    @inlinable package func append(_ fact: Fact) {
        append(time: fact.time, end: fact.end, connection: fact.connection, traits: Fact.traitBits(of: fact),
               companion: Fact.companion(of: fact)) { Fact.encode(fact, into: &$0) }
    }

    /// Appends a fact given as what the index keeps of it and what `encode` writes of it.
    @inlinable func append(time: Timestamp, end: Timestamp, connection: Int, traits: UInt8, companion: AnyObject?,
                           encode: (inout [UInt8]) -> Void) {
        if let companion { companions[Int32(clamping: entries.count)] = companion }
        let (offset, length) = spill.append(encode)
        entries.append(Entry(time: time.nanoseconds, end: end.nanoseconds,
                             connection: Int32(clamping: connection), sequence: Int32(clamping: entries.count),
                             offset: offset, length: UInt32(clamping: length), traits: traits))
    }

    /// Replaces the fact at `position` with `fact`, which keeps its place: time, end and
    /// connection stay those of the fact it replaces (a later pass names what a fact was, as
    /// `InferredCallNaming` does). The old bytes stay in the spill file, unreferenced.
    package func replace(at position: Int, with fact: Fact) {
        guard entries.indices.contains(position) else { return }
        let (offset, length) = spill.append { Fact.encode(fact, into: &$0) }
        entries[position].offset = offset
        entries[position].length = UInt32(clamping: length)
        entries[position].traits = Fact.traitBits(of: fact)
    }

    /// Puts the facts in start order (ties: connection, then arrival), which makes position the
    /// `index` every report refers to.
    package func sortByStart() {
        entries.sort { ($0.time, $0.connection, $0.sequence) < ($1.time, $1.connection, $1.sequence) }
    }

    /// The capture is read: the spill writes out what it buffers before the timeline builds its
    /// tables next to it. (The index keeps the spare capacity its growth left: a copy to its
    /// count was alive with the original, and raised the peak of `http` on 300,000 exchanges.)
    package func finishWriting() {
        spill.finishWriting()
    }

    /// Positions in start order, for a store that was not sorted (one built from facts in any order).
    package func positionsByStart() -> [Int] {
        var sorted = true
        for i in entries.indices.dropFirst() where entries[i].time < entries[i - 1].time { sorted = false; break }
        if sorted { return Array(indices) }
        return indices.sorted { entries[$0].time < entries[$1].time }
    }
}

/// A `FactStore`'s index entry of one fact. A type of its own rather than nested in the generic
/// class: nested, it was a generic type, and the passes over the whole index that the store's
/// generic code makes (the sort into start order, the merging of the workers' stores) ran the
/// unspecialised sort and element copies through its metadata: on 300,000 API calls, 25 ms on
/// one thread after the decoding.
@usableFromInline struct FactStoreEntry {
    @usableFromInline var time: Int64
    @usableFromInline var end: Int64
    @usableFromInline var connection: Int32
    /// Append order: ties in time and connection keep it.
    @usableFromInline var sequence: Int32
    @usableFromInline var offset: Int
    @usableFromInline var length: UInt32
    @usableFromInline var traits: UInt8

    @inlinable init(time: Int64, end: Int64, connection: Int32, sequence: Int32, offset: Int, length: UInt32, traits: UInt8) {
        self.time = time
        self.end = end
        self.connection = connection
        self.sequence = sequence
        self.offset = offset
        self.length = length
        self.traits = traits
    }
}
