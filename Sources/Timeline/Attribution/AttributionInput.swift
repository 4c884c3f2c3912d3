/// What SQL attribution reads of the facts: per request its span, service and the names it
/// carries; per statement its connection, span, role in a pooled connection's session and the
/// names it mentions. Built once from the fact stores (`AttributionInput(sql:http:)`), or by hand
/// in tests; everything downstream is pure.
struct AttributionInput {
    struct Request {
        /// HTTP fact index.
        var index: Int
        var start: Int64
        var end: Int64
        var service: String
        var method: String
        var path: String
        var server: String
        /// Names the request carries (image id and name, a validated token's issue time), interned.
        var names: [Int32] = []
        /// Names its SQL mentions whenever it issues any: a token validation always checks the
        /// token's revocation by its issue time (`revocation_event.issued_before >= ...`).
        var requiredNames: [Int32] = []
    }

    /// A statement's part in a pooled connection's checkout.
    enum StatementKind: Equatable {
        /// The pool's handshake: a new connection, made at a checkout.
        case connect
        /// Starts a checkout: SQLAlchemy's pre-ping (COM_PING), a connector's COM_RESET_CONNECTION.
        case checkout
        /// COMMIT or ROLLBACK: a transaction's end or the pool's reset when the connection returns.
        case transactionEnd
        /// Session setup a new connection runs (SET, SHOW VARIABLES, SELECT @@..., VERSION()).
        case setup
        /// COM_QUIT: the pool drops the connection.
        case quit
        case work
    }

    struct Statement {
        /// SQL fact index.
        var position: Int
        var connection: Int
        var start: Int64
        var end: Int64
        var kind: StatementKind
        /// Interned names (quoted literals equal to a name some request carries).
        var names: [Int32] = []
    }

    /// In start order (HTTP fact order).
    var requests: [Request]
    /// In start order (SQL fact order).
    var statements: [Statement]
    /// The OpenStack service behind each MySQL connection (login, database, or the tables it uses).
    var serviceOfConnection: [Int: String]
}

extension AttributionInput.StatementKind {
    /// The kind of a command with this name and statement text (`command` as the general log names it).
    init(command: String, statement: some StringProtocol) {
        switch command {
        case "Connect": self = .connect
        case "Ping", "Reset connection", "Change user": self = .checkout
        case "Quit": self = .quit
        case "Query":
            let head = statement.utf8.drop { $0 == 0x20 || (0x09...0x0d).contains($0) }.prefix(24)
            let upper = String(decoding: head.map { ($0 >= 0x61 && $0 <= 0x7a) ? $0 - 0x20 : $0 }, as: UTF8.self)
            if upper.hasPrefix("COMMIT") || upper.hasPrefix("ROLLBACK") {
                self = .transactionEnd
            } else if Self.setupPrefixes.contains(where: { upper.hasPrefix($0) }) {
                self = .setup
            } else {
                self = .work
            }
        default: self = .work
        }
    }

    /// What SQLAlchemy/PyMySQL and the MySQL connectors send on a new connection before any work.
    static let setupPrefixes = ["SET ", "SHOW VARIABLES", "SELECT @@", "SELECT VERSION()", "SELECT DATABASE()"]
}
