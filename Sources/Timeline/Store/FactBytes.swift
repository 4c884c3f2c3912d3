/// Where a `FactStore` keeps its facts' byte forms: appended once, read back by offset.
///
/// The timeline only reads and writes through this protocol, so it does no I/O of its own:
/// `Analysis` hands a store its temporary file (`SpillFile`), which keeps memory flat on a
/// capture of any length; a store built from facts alone (tests, a live window) keeps the bytes
/// in memory (`InMemoryFactBytes`).
///
/// Public, not `package`, because `FactStore`'s inlinable members hold one (see `FactStore`).
public protocol FactBytes: AnyObject {
    /// Appends what `write` adds to the buffer it is given; returns where the bytes start.
    func append(_ write: (inout [UInt8]) -> Void) -> (offset: Int, length: Int)
    /// Gives `body` the `length` bytes at `offset`; nil when the range was never appended or
    /// cannot be read back.
    func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R?
    /// Why the bytes are not where they were meant to be (a temporary file that failed), or nil.
    var failure: String? { get }
    /// Called when the last fact of a capture is appended: a store that buffers its writes
    /// writes them out and frees the buffer (appending later still works).
    func finishWriting()
}

extension FactBytes {
    package func finishWriting() {}
}

/// Fact bytes held in one growing array: for stores of a few facts.
package final class InMemoryFactBytes: FactBytes {
    private var bytes: [UInt8] = []

    package init() {}

    package func append(_ write: (inout [UInt8]) -> Void) -> (offset: Int, length: Int) {
        let offset = bytes.count
        write(&bytes)
        return (offset, bytes.count &- offset)
    }

    package func withBytes<R>(at offset: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard offset >= 0, length >= 0, offset <= bytes.count &- length else { return nil }
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset &+ length)])) }
    }

    package var failure: String? { nil }
}
