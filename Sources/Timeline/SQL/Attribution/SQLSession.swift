/// The statements one request sent on a pooled connection between checking it out and returning it.
///
/// A pool (SQLAlchemy's QueuePool under oslo.db) lends a connection to one thread at a time: the
/// checkout may begin with a ping (`pool_pre_ping`), the work follows, and the return ends with the
/// transaction's COMMIT and the pool's reset ROLLBACK. So a change of request on a connection falls
/// on such a boundary (on a recorded 10-way concurrent run, all 187 did), and a run of statements
/// between boundaries belongs to one request: attribution assigns sessions, not statements.
struct SQLSession {
    var connection: Int
    /// Indices into `AttributionInput.statements`, in time order.
    var statements: [Int]
    var start: Int64
    var end: Int64
    /// Names its statements mention (interned, see `NameTable`).
    var names: [Int32]
}

enum SQLSessionSplitter {
    /// Sessions of every connection, ordered by start.
    ///
    /// A session starts at a checkout command (ping, reset), at a handshake, at a QUIT, and at the
    /// first statement after COMMIT/ROLLBACK that is not itself one (the return is often a pair:
    /// the transaction's end, then the pool's reset). A new connection's setup (SET NAMES, SHOW
    /// VARIABLES, ...) joins the first work after it: the pool connects when a request checks out.
    static func sessions(of statements: [AttributionInput.Statement]) -> [SQLSession] {
        var open: [Int: SQLSession] = [:]
        /// Connections whose handshake was seen and whose first work has not come yet.
        var settingUp = Set<Int>()
        var previousEnded: [Int: Bool] = [:]
        var done: [SQLSession] = []
        for (index, statement) in statements.enumerated() {
            let connection = statement.connection
            let kind = statement.kind
            var starts = kind == .connect || kind == .checkout || kind == .quit
                || (previousEnded[connection] == true && kind != .transactionEnd)
            if settingUp.contains(connection), kind != .connect, kind != .quit {
                starts = false
                if kind == .work { settingUp.remove(connection) }
            }
            if kind == .connect { settingUp.insert(connection) }
            if starts, let session = open.removeValue(forKey: connection) { done.append(session) }
            if var session = open[connection] {
                session.statements.append(index)
                session.end = max(session.end, statement.end)
                for name in statement.names where !session.names.contains(name) { session.names.append(name) }
                open[connection] = session
            } else {
                open[connection] = SQLSession(connection: connection, statements: [index], start: statement.start,
                                              end: statement.end, names: statement.names)
            }
            previousEnded[connection] = kind == .transactionEnd
        }
        done.append(contentsOf: open.values)
        done.sort { ($0.start, $0.connection) < ($1.start, $1.connection) }
        return done
    }
}
