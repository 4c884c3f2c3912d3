import CaptureIO

extension FactStore {
    /// One store of the facts of `parts` (the stores of an analysis's decoding workers), each
    /// part's in its append order, part after part; `sortByStart()` then orders them as one store
    /// filled with all of them would be: time, connection, then arrival, since a connection's
    /// facts are all in one part. The parts keep their bytes (the merged store reads them) and
    /// give up their index.
    package convenience init(merging parts: [FactStore<Fact>]) {
        self.init(storage: MergedFactBytes(parts.map(\.spill)))
        let count = Swift.max(parts.count, 1)
        guard let first = parts.first else { return }
        // The first part's index grows in place (its spare capacity often holds the rest): a
        // new array next to all the parts would be the run's peak on a capture of many facts.
        var merged = first.entries
        first.entries = []
        merged.reserveCapacity(parts.reduce(0) { $0 &+ $1.entries.count } &+ merged.count)
        for i in merged.indices {
            merged[i].offset = merged[i].offset &* count
        }
        companions = first.companions
        first.companions = [:]
        for (p, part) in parts.enumerated().dropFirst() {
            for var entry in part.entries {
                let old = entry.sequence
                entry.sequence = Int32(clamping: merged.count)
                entry.offset = entry.offset &* count &+ p
                if !part.companions.isEmpty, let companion = part.companions[old] { companions[entry.sequence] = companion }
                merged.append(entry)
            }
            part.entries = []
            part.companions = [:]
        }
        entries = merged
    }
}

/// The fact bytes of several stores seen as one: offset `o` of part `p` is `o * parts + p`.
/// Appends (a later pass replacing a fact) go to the first part.
final class MergedFactBytes: FactBytes {
    private let parts: [any FactBytes]

    init(_ parts: [any FactBytes]) {
        self.parts = parts.isEmpty ? [InMemoryFactBytes()] : parts
    }

    func append(_ write: (inout [UInt8]) -> Void) -> (offset: Int, length: Int) {
        let (offset, length) = parts[0].append(write)
        return (offset &* parts.count, length)
    }

    func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard offset >= 0 else { return nil }
        let (inner, part) = offset.quotientAndRemainder(dividingBy: parts.count)
        return parts[part].withBytes(at: inner, length: length, body)
    }

    var failure: String? { parts.lazy.compactMap(\.failure).first }

    func finishWriting() {
        for part in parts { part.finishWriting() }
    }
}

extension MergedFactBytes: ConcurrentlyReadableFactBytes {
    /// One reader per part, each with its own buffer, behind the merged offsets.
    private final class Reader: FactByteReading {
        let parts: [any FactByteReading]
        init(_ parts: [any FactByteReading]) { self.parts = parts }

        func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
            guard offset >= 0 else { return nil }
            let (inner, part) = offset.quotientAndRemainder(dividingBy: parts.count)
            return parts[part].withBytes(at: inner, length: length, body)
        }
    }

    var readersAreIndependent: Bool {
        parts.allSatisfy { ($0 as? ConcurrentlyReadableFactBytes)?.readersAreIndependent ?? false }
    }

    func makeReader() -> any FactByteReading {
        Reader(parts.map { ($0 as? ConcurrentlyReadableFactBytes)?.makeReader() ?? MergedFactBytes.Unshared($0) })
    }

    /// A part without readers of its own (never met when `readersAreIndependent`).
    private final class Unshared: FactByteReading {
        let bytes: any FactBytes
        init(_ bytes: any FactBytes) { self.bytes = bytes }
        func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
            bytes.withBytes(at: offset, length: length, body)
        }
    }
}
