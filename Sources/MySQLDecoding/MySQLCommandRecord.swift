import CaptureIO
import PacketDecoding

/// One MySQL command and its response, as seen on the wire.
public struct MySQLCommandRecord: Sendable, Equatable {
    /// The reassembler's connection index (tshark's `tcp.stream`).
    public var connectionIndex: Int
    public var client: Endpoint
    public var server: Endpoint
    /// The server's thread id from the handshake (the general log's connection id); nil when
    /// the connection began before the capture.
    public var connectionID: UInt32?
    public var user: String?
    /// The default database when the command was sent.
    public var database: String?
    public var command: MySQLCommand
    /// The general log's command name: "Query", "Prepare", "Execute", "Init DB", "Ping", ...
    public var commandName: String { command.name }
    /// The statement text: SQL for Query and Prepare, the prepared text with parameters bound
    /// for Execute, the database for Init DB, the general log's text for Connect; capped by
    /// `MySQLDecoderConfiguration.maxStatementBytes`.
    public var statement: String
    /// Length of the statement on the wire; larger than `statement`'s when it was capped.
    public var statementBytes: Int
    /// The prepared statement id (Prepare's response, Execute, Close stmt, Fetch, ...).
    public var statementID: UInt32?
    /// Execute's parameters as SQL literals (`'text'`, `42`, `NULL`), in order.
    public var parameters: [String]
    /// Time of the command's first byte.
    public var start: Timestamp
    /// Time of the response's last byte; nil when no response was seen.
    public var end: Timestamp?
    public var result: MySQLResult
    /// False when a gap, the end of the capture or a damaged packet cut the command or its response.
    public var isComplete: Bool
    /// Human-readable remarks: truncation, gaps, unknown statements, decoding problems.
    public var notes: [String]
    /// The command travelled inside TLS (after an SSLRequest) and was read from decrypted bytes.
    public var isTLS = false

    /// Nanoseconds from the command's first byte to the response's last byte.
    public var durationNanoseconds: Int64? { end.map { $0.nanoseconds(since: start) } }

    public init(connectionIndex: Int, client: Endpoint, server: Endpoint, connectionID: UInt32?, user: String?,
                database: String?, command: MySQLCommand, statement: String, statementBytes: Int,
                statementID: UInt32? = nil, parameters: [String] = [], start: Timestamp, end: Timestamp?,
                result: MySQLResult = MySQLResult(), isComplete: Bool = true, notes: [String] = []) {
        self.connectionIndex = connectionIndex
        self.client = client
        self.server = server
        self.connectionID = connectionID
        self.user = user
        self.database = database
        self.command = command
        self.statement = statement
        self.statementBytes = statementBytes
        self.statementID = statementID
        self.parameters = parameters
        self.start = start
        self.end = end
        self.result = result
        self.isComplete = isComplete
        self.notes = notes
    }
}

/// What the server answered to one command.
public struct MySQLResult: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case ok
        case error
        case rows
        /// No response (Quit, Close stmt, Long Data) or none seen.
        case none
    }

    public var kind: Kind = .none
    /// From the last OK packet.
    public var affectedRows: UInt64?
    public var lastInsertID: UInt64?
    public var statusFlags: UInt16?
    public var warnings: UInt16?
    /// The OK packet's human-readable info ("Rows matched: 1  Changed: 1  Warnings: 0").
    public var info: String?
    /// Session state changes reported by an OK packet (CLIENT_SESSION_TRACK).
    public var sessionStateChanges: [MySQLSessionStateChange] = []
    /// Rows over all result sets (counted, also beyond the kept rows).
    public var rowCount: Int = 0
    /// Columns of the first result set.
    public var columns: [MySQLColumn] = []
    /// Rows of the first result set, up to the cap.
    public var keptRows = MySQLRows()
    /// The kept rows of the first result set as column name -> value (nil for NULL).
    public var rows: [[String: String?]] { keptRows.dictionaries }
    /// Every result set (a CALL or multi-statement query has several).
    public var resultSets: [MySQLResultSet] = []
    public var errorCode: UInt16?
    public var sqlState: String?
    public var message: String?
    /// COM_STMT_PREPARE's answer: parameter and column counts.
    public var preparedParameterCount: Int?
    public var preparedColumnCount: Int?
    /// COM_STATISTICS's text answer.
    public var text: String?
    /// The server asked for a client file (LOAD DATA LOCAL INFILE) with this name.
    public var localInfileName: String?
    /// Bytes of file content the client sent in reply to a LOCAL INFILE request.
    public var localInfileBytes: Int = 0

    public init() {}
}

/// One result set of a response.
public struct MySQLResultSet: Sendable, Equatable {
    public var columns: [MySQLColumn] = []
    /// Rows kept, up to the cap.
    public var keptRows = MySQLRows()
    /// The kept rows as column name -> value (nil for NULL).
    public var rows: [[String: String?]] { keptRows.dictionaries }
    /// All rows, kept or not.
    public var rowCount: Int = 0
    /// True for binary-protocol rows (COM_STMT_EXECUTE, COM_STMT_FETCH).
    public var isBinary: Bool = false
    public init() {}
}

/// A column definition (`Protocol::ColumnDefinition41`).
public struct MySQLColumn: Sendable, Equatable {
    public var schema: String
    public var table: String
    public var name: String
    public var originalName: String
    public var characterSet: UInt16
    public var length: UInt32
    public var type: MySQLFieldType
    public var flags: UInt16
    public var decimals: UInt8
    public init(schema: String = "", table: String = "", name: String, originalName: String = "",
                characterSet: UInt16 = 0, length: UInt32 = 0, type: MySQLFieldType, flags: UInt16 = 0, decimals: UInt8 = 0) {
        self.schema = schema
        self.table = table
        self.name = name
        self.originalName = originalName
        self.characterSet = characterSet
        self.length = length
        self.type = type
        self.flags = flags
        self.decimals = decimals
    }

    /// `UNSIGNED_FLAG`.
    public var isUnsigned: Bool { flags & 0x20 != 0 }
}

/// One entry of an OK packet's session state information.
public struct MySQLSessionStateChange: Sendable, Equatable {
    /// 0 system variable, 1 schema, 2 state change, 3 GTIDs, 4 transaction characteristics, 5 transaction state.
    public var type: UInt8
    public var name: String
    public var value: String
    public init(type: UInt8, name: String, value: String) {
        self.type = type
        self.name = name
        self.value = value
    }
}
