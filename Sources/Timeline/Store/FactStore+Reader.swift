import CaptureIO

/// Reads fact bytes back by offset (what `FactBytes` does besides appending).
package protocol FactByteReading: AnyObject {
    /// Gives `body` the `length` bytes at `offset`; nil when they cannot be read back.
    func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R?
}

/// Fact bytes that hand out readers of their own: each reader keeps its own buffer, so several
/// threads may read a store at once once it is written (a report formatted on every core).
package protocol ConcurrentlyReadableFactBytes: FactBytes {
    /// A reader for one thread; valid while the bytes live and nothing is appended.
    func makeReader() -> any FactByteReading
    /// Whether the readers have buffers of their own (a merged store's do when all its parts'
    /// do).
    var readersAreIndependent: Bool { get }
}

extension ConcurrentlyReadableFactBytes {
    package var readersAreIndependent: Bool { true }
}

extension InMemoryFactBytes: FactByteReading, ConcurrentlyReadableFactBytes {
    /// The array itself: reading an array that nobody writes is safe from any thread.
    package func makeReader() -> any FactByteReading { self }
}

extension FactStore {
    /// A store read from one thread of several (`FactStore.makeReader()`): the facts of the
    /// store, decoded through a byte reader of its own.
    package struct Reader {
        package let store: FactStore
        private let bytes: (any FactByteReading)?

        fileprivate init(store: FactStore, bytes: (any FactByteReading)?) {
            self.store = store
            self.bytes = bytes
        }

        package subscript(position: Int) -> Fact { fact(at: position, decode: Fact.decode) }

        /// The fact at `position`, decoded by `decode`, as `FactStore.fact(at:decode:)` does.
        func fact(at position: Int, decode: (UnsafeRawBufferPointer, Int) -> Fact?) -> Fact {
            guard let bytes else { return store.fact(at: position, decode: decode) }
            let entry = store.entries[position]
            let decoded = bytes.withBytes(at: entry.offset, length: Int(entry.length)) { decode($0, position) }
            var fact = (decoded ?? nil) ?? Fact.lost(index: position, time: Timestamp(nanoseconds: entry.time),
                                                       end: Timestamp(nanoseconds: entry.end), connection: Int(entry.connection))
            if !store.companions.isEmpty, let companion = store.companions[entry.sequence] { Fact.attach(companion, to: &fact) }
            return fact
        }

        /// Gives `body` the stored bytes of the fact at `position` when the fact has no part
        /// kept in memory (`SpillableFact.companion(of:)`); false when it has, or when the bytes
        /// cannot be read back: the caller reads the whole fact. `body` must not read this
        /// reader again: the bytes it is lent are the reader's buffer, which a read refills.
        func withStoredBytes(at position: Int, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
            let entry = store.entries[position]
            if !store.companions.isEmpty, store.companions[entry.sequence] != nil { return false }
            let read = bytes.map { $0.withBytes(at: entry.offset, length: Int(entry.length), body) }
                ?? store.spill.withBytes(at: entry.offset, length: Int(entry.length), body)
            return read ?? false
        }
    }

    /// Whether readers from `makeReader()` may read at the same time (else they share the
    /// store's one buffer, and only one thread may read at a time).
    package var readsConcurrently: Bool { (spill as? ConcurrentlyReadableFactBytes)?.readersAreIndependent ?? false }

    /// A reader for one thread: with its own buffer when `readsConcurrently`.
    package func makeReader() -> Reader {
        Reader(store: self, bytes: readsConcurrently ? (spill as? ConcurrentlyReadableFactBytes)?.makeReader() : nil)
    }
}

extension FactStore.Reader where Fact == HTTPFact {
    /// The fact at `position` without its message texts (see `FactStore.withoutMessages(at:)`).
    package func withoutMessages(at position: Int) -> HTTPFact {
        fact(at: position) { HTTPFact.decode($0, index: $1, messages: false) }
    }
}
