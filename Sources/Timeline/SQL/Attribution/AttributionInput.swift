import MySQLDecoding
#if canImport(Glibc)
import Glibc
#endif

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

    /// One SQL fact, in 40 bytes: a capture's 100,000 statements are all here at once, at the
    /// peak of the run's memory, so the indices are stored as 32 bits (as `FactStore` keeps them).
    struct Statement {
        var start: Int64
        var end: Int64
        /// Interned names (quoted literals equal to a name some request carries).
        var names: [Int32] = []
        var kind: StatementKind
        private var storedPosition: Int32
        private var storedConnection: Int32

        init(position: Int, connection: Int, start: Int64, end: Int64, kind: StatementKind, names: [Int32] = []) {
            self.start = start
            self.end = end
            self.names = names
            self.kind = kind
            storedPosition = Int32(truncatingIfNeeded: position)
            storedConnection = Int32(truncatingIfNeeded: connection)
        }

        /// SQL fact index.
        var position: Int {
            get { Int(storedPosition) }
            set { storedPosition = Int32(truncatingIfNeeded: newValue) }
        }
        var connection: Int {
            get { Int(storedConnection) }
            set { storedConnection = Int32(truncatingIfNeeded: newValue) }
        }
    }

    /// In start order (HTTP fact order).
    var requests: [Request]
    /// In start order (SQL fact order).
    var statements: [Statement]
    /// The OpenStack service behind each MySQL connection (login, database, or the tables it uses).
    var serviceOfConnection: [Int: String]
}

extension AttributionInput.StatementKind {
    /// The kind of a fact's command (its verb as the fact holds it).
    init(_ fact: SQLFact) {
        var statement = fact.statement
        self = statement.withUTF8 { Self(command: fact.command, verb: fact.verb, statement: UnsafeRawBufferPointer($0)) }
    }

    /// The same from the stored bytes, without making Strings: every command of a capture passes here.
    init(command: MySQLCommand, verb: SQLVerb?, statement: UnsafeRawBufferPointer) {
        if command == .query {
            if verb == .commit || verb == .rollback {
                self = .transactionEnd
            } else if (verb == .set || verb == .show || verb == .select) && Self.isSetup(statement) {
                self = .setup
            } else {
                self = .work
            }
        } else if command == .ping || command == .resetConnection || command == .changeUser {
            self = .checkout
        } else if command == .connect {
            self = .connect
        } else if command == .quit {
            self = .quit
        } else {
            self = .work
        }
    }

    /// What SQLAlchemy/PyMySQL and the MySQL connectors send on a new connection before any work:
    /// SET ..., SHOW VARIABLES, SELECT @@..., SELECT VERSION(), SELECT DATABASE().
    static func isSetup(_ statement: UnsafeRawBufferPointer) -> Bool {
        let head = statement.drop { $0 == 0x20 || (0x09...0x0d).contains($0) }.prefix(18).map { ($0 >= 0x61 && $0 <= 0x7a) ? $0 - 0x20 : $0 }
        return setupPrefixes.contains { head.starts(with: $0) }
    }

    static let setupPrefixes: [[UInt8]] = ["SET ", "SHOW VARIABLES", "SELECT @@", "SELECT VERSION()", "SELECT DATABASE()"].map { Array($0.utf8) }
}
