import CaptureIO
import Crypto

/// The running MD5 and SHA-512 of an object uploaded as numbered parts, each in a request of its
/// own: Swift's segments of a large object (glance_store writes `<image>-00001`, `-00002`, ... and
/// then a manifest), whose whole is what the client uploaded.
///
/// Each part's hasher feeds the chain in the same pass over its bytes, on the same two queues, so
/// the parts join in the order the reader met them. After each part the chain hands out the
/// digests of the whole so far (`UploadHasher.finish()`); the last part's are the whole object's.
final class UploadChain: @unchecked Sendable {
    // Thread safety: `state` follows HashState's rule (MD5 on the MD5 queue, SHA-512 on the SHA-512
    // queue); `key` and `owner` never change.
    let key: String
    let state = HashState(sha512: true)
    private weak var owner: UploadChains?

    init(key: String, owner: UploadChains) {
        self.key = key
        self.owner = owner
    }

    /// A part went missing (bytes lost in the capture): the whole can no longer be hashed, so
    /// later parts start no chain. The digests handed out for the parts before stay valid (the
    /// queues compute them before any byte of the lost part).
    func abandon() {
        owner?.forget(self)
    }
}

/// The upload chains of one analysis, shared by all its connections: parts of one whole may
/// travel on different connections.
///
/// Nothing says when a whole is complete (the manifest is the object store's business), so a
/// live capture of days would keep every chain: at most `maxChains` are kept, the oldest started
/// dropped first.
package final class UploadChains: Sendable {
    private struct Entry {
        var chain: UploadChain
        var lastPart: Int
        var started: Int
    }

    private struct Table {
        var entries: [String: Entry] = [:]
        var started = 0
    }

    static let maxChains = 1024
    private let table = LockedValue(Table())

    package init() {}

    /// The chain that part `part` (from 1) of the whole `key` continues: a new one for part 1, the
    /// running one when `part` follows its last part, nil when a part is missing in between.
    func chain(for key: String, part: Int) -> UploadChain? {
        table.withLock { table in
            if part == 1 {
                if table.entries[key] == nil, table.entries.count >= UploadChains.maxChains,
                   let oldest = table.entries.min(by: { $0.value.started < $1.value.started })?.key {
                    table.entries[oldest] = nil
                }
                let chain = UploadChain(key: key, owner: self)
                table.started &+= 1
                table.entries[key] = Entry(chain: chain, lastPart: 1, started: table.started)
                return chain
            }
            guard var entry = table.entries[key], entry.lastPart &+ 1 == part else {
                table.entries[key] = nil
                return nil
            }
            entry.lastPart = part
            table.entries[key] = entry
            return entry.chain
        }
    }

    func forget(_ chain: UploadChain) {
        table.withLock { table in
            if table.entries[chain.key]?.chain === chain { table.entries[chain.key] = nil }
        }
    }
}
