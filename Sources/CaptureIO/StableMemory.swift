/// Something that keeps a range of memory readable and unchanged for as long as it lives: the map
/// of a capture file, or a buffer the reader has left to the consumers that kept its bytes
/// (`ReadBuffer`).
///
/// A consumer that wants record bytes after the reader has moved on (the upload hasher, which may
/// run hundreds of megabytes behind the reader) retains the owner instead of copying the bytes.
public protocol StableMemoryOwner: AnyObject, Sendable {
    /// Gives the pages wholly inside `range` back to the kernel. They stay readable: touching
    /// them again faults them back in. Callable from any thread.
    func dropPages(_ range: UnsafeRawBufferPointer)
    /// Maps the pages of `range` in advance, for a reader about to read all of it. Callable from
    /// any thread; a no-op where the platform cannot.
    func populatePages(_ range: UnsafeRawBufferPointer)
    /// Whether `dropPages` gives anything back: true for a map of a file, false for memory of
    /// its own (`ReadBuffer`), which stays resident as long as it lives.
    var releasesPages: Bool { get }
}

extension StableMemoryOwner {
    public var releasesPages: Bool { true }
}

/// One registered range and a strong reference to its owner.
public struct StableRegion: @unchecked Sendable {
    public let start: UnsafeRawPointer
    public let end: UnsafeRawPointer
    public let owner: any StableMemoryOwner

    /// Whether all of `bytes` lie inside this range.
    public func contains(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return base >= start && base <= end && bytes.count <= end - base
    }
}

/// The process's stable ranges: record bytes that lie in one can be kept by retaining its owner.
///
/// Owners register themselves when they map and unregister before they unmap (in `deinit`). A
/// lookup hands out a strong reference, which is safe because the caller holds bytes of that range
/// that it got from the owner's live reader: an owner being deinitialised has no reader left.
public enum StableMemory {
    private struct Entry {
        let start: UInt
        let end: UInt
        let id: ObjectIdentifier
        unowned(unsafe) let owner: any StableMemoryOwner
    }

    private static let entries = LockedValue<[Entry]>([])

    /// Makes `range` a stable range of `owner` until `unregister`; empty ranges are ignored.
    public static func register(_ range: UnsafeRawBufferPointer, owner: any StableMemoryOwner) {
        guard let base = range.baseAddress, range.count > 0 else { return }
        let start = UInt(bitPattern: base)
        let entry = Entry(start: start, end: start &+ UInt(range.count), id: ObjectIdentifier(owner), owner: owner)
        entries.withLock { $0.append(entry) }
    }

    /// `id` is the owner's `ObjectIdentifier` (an owner unregisters from its `deinit`).
    public static func unregister(_ id: ObjectIdentifier) {
        entries.withLock { list in list.removeAll { $0.id == id } }
    }

    /// The registered region holding all of `bytes`, or nil (bytes in a buffer of their own).
    public static func region(containing bytes: UnsafeRawBufferPointer) -> StableRegion? {
        guard let base = bytes.baseAddress else { return nil }
        let start = UInt(bitPattern: base)
        let (end, overflow) = start.addingReportingOverflow(UInt(bytes.count))
        guard !overflow else { return nil }
        return entries.withLock { list -> StableRegion? in
            guard let entry = list.first(where: { $0.start <= start && end <= $0.end }),
                  let regionStart = UnsafeRawPointer(bitPattern: entry.start),
                  let regionEnd = UnsafeRawPointer(bitPattern: entry.end) else { return nil }
            return StableRegion(start: regionStart, end: regionEnd, owner: entry.owner)
        }
    }
}
