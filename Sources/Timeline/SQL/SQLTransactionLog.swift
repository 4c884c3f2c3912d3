import MySQLDecoding
/// Which row writes of a capture's SQL took effect: Glance's SQLAlchemy sessions run with
/// autocommit off, so a write counts only once its connection sends COMMIT (a ROLLBACK drops it).
///
/// A connection that never commits in the capture is taken to run in autocommit mode, and so is
/// one that sent `SET autocommit=1`. Writes still pending at the end of a connection that did
/// commit elsewhere are reported as uncommitted.
package struct SQLTransactionLog: Sendable {
    /// One statement that may write rows (INSERT, UPDATE, DELETE, ...).
    ///
    /// The parsed write is not kept: a capture of 400 images holds tens of thousands of writes,
    /// and their column maps, all alive while the timeline is built, were the peak of the run's
    /// memory (17 MB on a 2 GB capture). Readers parse it when its turn comes (`statement(in:)`),
    /// one at a time; most read each write once.
    package struct Write: Sendable {
        /// The statement's SQL fact index.
        package var sql: Int
        /// Whether its transaction committed (or it ran in autocommit mode).
        package var committed: Bool

        /// What it writes, parsed from its fact in `facts`; nil when it is not a row write of a
        /// recognised shape (a statement the log kept only because its verb may write).
        package func statement(in facts: SQLFactStore) -> SQLWriteStatement? {
            guard facts.indices.contains(sql) else { return nil }
            return SQLWriteStatement(parsing: facts[sql].statement)
        }
    }

    /// Statements that may write, in statement order, each marked committed or not.
    package private(set) var writes: [Write] = []

    /// Reads the row writes of `facts` and which of them their connections committed.
    package init(_ facts: SQLFactStore) {
        var pending: [Int: [Write]] = [:]
        var autocommit: Set<Int> = []
        var committing: Set<Int> = []
        var all: [Write] = []
        for position in facts.positionsByStart() {
            // Only these can change what was committed; the rest need not be decoded.
            let traits = facts.traits(at: position)
            guard !traits.contains(.error), !traits.isDisjoint(with: [.mayWrite, .transactionControl]) else { continue }
            let fact = facts[position]
            switch fact.verb {
            case .commit?:
                committing.insert(fact.connection)
                for var write in pending.removeValue(forKey: fact.connection) ?? [] {
                    write.committed = true
                    all.append(write)
                }
                continue
            case .rollback?:
                committing.insert(fact.connection)
                pending[fact.connection] = nil
                continue
            case .set?:
                let text = fact.statement.lowercased().filter { $0 != " " }
                if text.containsBytes("autocommit=1") || text.containsBytes("autocommit=on") { autocommit.insert(fact.connection) }
                if text.containsBytes("autocommit=0") || text.containsBytes("autocommit=off") { autocommit.remove(fact.connection) }
                continue
            default:
                break
            }
            let write = Write(sql: fact.index, committed: autocommit.contains(fact.connection))
            if write.committed { all.append(write) } else { pending[fact.connection, default: []].append(write) }
        }
        for (connection, leftovers) in pending {
            for var write in leftovers {
                // No COMMIT ever seen on this connection: it must be in autocommit mode.
                write.committed = !committing.contains(connection)
                all.append(write)
            }
        }
        writes = all.sorted { $0.sql < $1.sql }
    }
}
