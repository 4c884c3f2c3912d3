/// A client command byte (`COM_*`), named as MySQL's general query log names it.
package struct MySQLCommand: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    package var rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let sleep = MySQLCommand(rawValue: 0x00)
    package static let quit = MySQLCommand(rawValue: 0x01)
    package static let initDB = MySQLCommand(rawValue: 0x02)
    package static let query = MySQLCommand(rawValue: 0x03)
    package static let fieldList = MySQLCommand(rawValue: 0x04)
    package static let createDB = MySQLCommand(rawValue: 0x05)
    package static let dropDB = MySQLCommand(rawValue: 0x06)
    package static let refresh = MySQLCommand(rawValue: 0x07)
    package static let shutdown = MySQLCommand(rawValue: 0x08)
    package static let statistics = MySQLCommand(rawValue: 0x09)
    package static let processInfo = MySQLCommand(rawValue: 0x0a)
    package static let connect = MySQLCommand(rawValue: 0x0b)
    package static let processKill = MySQLCommand(rawValue: 0x0c)
    package static let debug = MySQLCommand(rawValue: 0x0d)
    package static let ping = MySQLCommand(rawValue: 0x0e)
    package static let time = MySQLCommand(rawValue: 0x0f)
    package static let delayedInsert = MySQLCommand(rawValue: 0x10)
    package static let changeUser = MySQLCommand(rawValue: 0x11)
    package static let binlogDump = MySQLCommand(rawValue: 0x12)
    package static let tableDump = MySQLCommand(rawValue: 0x13)
    package static let connectOut = MySQLCommand(rawValue: 0x14)
    package static let registerSlave = MySQLCommand(rawValue: 0x15)
    package static let stmtPrepare = MySQLCommand(rawValue: 0x16)
    package static let stmtExecute = MySQLCommand(rawValue: 0x17)
    package static let stmtSendLongData = MySQLCommand(rawValue: 0x18)
    package static let stmtClose = MySQLCommand(rawValue: 0x19)
    package static let stmtReset = MySQLCommand(rawValue: 0x1a)
    package static let setOption = MySQLCommand(rawValue: 0x1b)
    package static let stmtFetch = MySQLCommand(rawValue: 0x1c)
    package static let daemon = MySQLCommand(rawValue: 0x1d)
    package static let binlogDumpGTID = MySQLCommand(rawValue: 0x1e)
    package static let resetConnection = MySQLCommand(rawValue: 0x1f)
    package static let clone = MySQLCommand(rawValue: 0x20)
    /// Not a command byte (0xff starts an error packet): a command whose record could not be
    /// read back (a spill file's lost page), named "?".
    package static let unread = MySQLCommand(rawValue: 0xff)
    /// MariaDB: array binding (`COM_STMT_BULK_EXECUTE`).
    package static let stmtBulkExecute = MySQLCommand(rawValue: 0xfa)

    /// The general query log's name ("Query", "Execute", "Init DB", ...); unknown bytes as
    /// "Command 0xNN".
    package var name: String {
        switch rawValue {
        case 0x00: return "Sleep"
        case 0x01: return "Quit"
        case 0x02: return "Init DB"
        case 0x03: return "Query"
        case 0x04: return "Field List"
        case 0x05: return "Create DB"
        case 0x06: return "Drop DB"
        case 0x07: return "Refresh"
        case 0x08: return "Shutdown"
        case 0x09: return "Statistics"
        case 0x0a: return "Processlist"
        case 0x0b: return "Connect"
        case 0x0c: return "Kill"
        case 0x0d: return "Debug"
        case 0x0e: return "Ping"
        case 0x0f: return "Time"
        case 0x10: return "Delayed insert"
        case 0x11: return "Change user"
        case 0x12: return "Binlog Dump"
        case 0x13: return "Table Dump"
        case 0x14: return "Connect Out"
        case 0x15: return "Register Slave"
        case 0x16: return "Prepare"
        case 0x17: return "Execute"
        case 0x18: return "Long Data"
        case 0x19: return "Close stmt"
        case 0x1a: return "Reset stmt"
        case 0x1b: return "Set option"
        case 0x1c: return "Fetch"
        case 0x1d: return "Daemon"
        case 0x1e: return "Binlog Dump GTID"
        case 0x1f: return "Reset connection"
        case 0x20: return "Clone"
        case 0xfa: return "Bulk_execute"
        case 0xff: return "?"
        default:
            let hex = String(rawValue, radix: 16)
            return "Command 0x" + (hex.count < 2 ? "0" + hex : hex)
        }
    }

    package var description: String { name }

    /// The command the general query log names `name` ("Query", "Init DB", ...); nil for a name
    /// it does not use.
    package init?(name: String) {
        guard let byte = (UInt8(0)...0x20).first(where: { MySQLCommand(rawValue: $0).name == name })
            ?? (name == "Bulk_execute" ? 0xfa : nil) else { return nil }
        self.init(rawValue: byte)
    }

    /// Commands the server answers with nothing at all.
    var hasNoResponse: Bool {
        self == .quit || self == .stmtClose || self == .stmtSendLongData
    }

    /// Whether a byte is a command a client plausibly sends (used to resynchronise after a gap).
    static func isKnown(_ byte: UInt8) -> Bool { byte <= 0x20 || byte == 0xfa }
}
