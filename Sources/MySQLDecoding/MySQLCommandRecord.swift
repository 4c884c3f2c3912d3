import CaptureIO
import PacketDecoding

/// One MySQL command and its response, as seen on the wire.
package struct MySQLCommandRecord: Sendable, Equatable {
    /// The reassembler's connection index (tshark's `tcp.stream`).
    package var connectionIndex: Int
    package var client: Endpoint
    package var server: Endpoint
    /// The server's thread id from the handshake (the general log's connection id); nil when
    /// the connection began before the capture.
    package var connectionID: UInt32?
    package var user: String?
    /// The default database when the command was sent.
    package var database: String?
    package var command: MySQLCommand
    /// The general log's command name: "Query", "Prepare", "Execute", "Init DB", "Ping", ...
    package var commandName: String { command.name }
    /// The statement text: SQL for Query and Prepare, the prepared text with parameters bound
    /// for Execute, the database for Init DB, the general log's text for Connect; capped by
    /// `MySQLDecoderConfiguration.maxStatementBytes`.
    package var statement: String
    /// Length of the statement on the wire; larger than `statement`'s when it was capped.
    package var statementBytes: Int
    /// The prepared statement id (Prepare's response, Execute, Close stmt, Fetch, ...).
    package var statementID: UInt32?
    /// Execute's parameters as SQL literals (`'text'`, `42`, `NULL`), in order.
    package var parameters: [String]
    /// Time of the command's first byte.
    package var start: Timestamp
    /// Time of the response's last byte; nil when no response was seen.
    package var end: Timestamp?
    package var result: MySQLResult
    /// False when a gap, the end of the capture or a damaged packet cut the command or its response.
    package var isComplete: Bool
    /// Human-readable remarks: truncation, gaps, unknown statements, decoding problems.
    package var notes: [String]
    /// The command travelled inside TLS (after an SSLRequest) and was read from decrypted bytes.
    package var isTLS = false

    /// Nanoseconds from the command's first byte to the response's last byte.
    package var durationNanoseconds: Int64? { end.map { $0.nanoseconds(since: start) } }

    package init(connectionIndex: Int, client: Endpoint, server: Endpoint, connectionID: UInt32?, user: String?,
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
package struct MySQLResult: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case ok
        case error
        case rows
        /// No response (Quit, Close stmt, Long Data) or none seen.
        case none
    }

    package var kind: Kind = .none
    /// From the last OK packet.
    package var affectedRows: UInt64?
    package var lastInsertID: UInt64?
    package var statusFlags: UInt16?
    package var warnings: UInt16?
    /// The OK packet's human-readable info ("Rows matched: 1  Changed: 1  Warnings: 0").
    package var info: String?
    /// Session state changes reported by an OK packet (CLIENT_SESSION_TRACK).
    package var sessionStateChanges: [MySQLSessionStateChange] = []
    /// Rows over all result sets (counted, also beyond the kept rows).
    package var rowCount: Int = 0
    /// Columns of the first result set.
    package var columns: [MySQLColumn] = []
    /// Rows of the first result set, up to the cap.
    package var keptRows = MySQLRows()
    /// The kept rows of the first result set as column name -> value (nil for NULL).
    package var rows: [[String: String?]] { keptRows.dictionaries }
    /// Every result set (a CALL or multi-statement query has several).
    package var resultSets: [MySQLResultSet] = []
    package var errorCode: UInt16?
    package var sqlState: String?
    package var message: String?
    /// COM_STMT_PREPARE's answer: parameter and column counts.
    package var preparedParameterCount: Int?
    package var preparedColumnCount: Int?
    /// COM_STATISTICS's text answer.
    package var text: String?
    /// The server asked for a client file (LOAD DATA LOCAL INFILE) with this name.
    package var localInfileName: String?
    /// Bytes of file content the client sent in reply to a LOCAL INFILE request.
    package var localInfileBytes: Int = 0

    package init() {}
}

/// One result set of a response.
package struct MySQLResultSet: Sendable, Equatable {
    package var columns: [MySQLColumn] = []
    /// Rows kept, up to the cap.
    package var keptRows = MySQLRows()
    /// The kept rows as column name -> value (nil for NULL).
    package var rows: [[String: String?]] { keptRows.dictionaries }
    /// All rows, kept or not.
    package var rowCount: Int = 0
    /// True for binary-protocol rows (COM_STMT_EXECUTE, COM_STMT_FETCH).
    package var isBinary: Bool = false
    package init() {}
}

/// A column definition (`Protocol::ColumnDefinition41`).
package struct MySQLColumn: Sendable, Equatable {
    package var schema: String
    package var table: String
    package var name: String
    package var originalName: String
    package var characterSet: UInt16
    package var length: UInt32
    package var type: MySQLFieldType
    package var flags: UInt16
    package var decimals: UInt8
    package init(schema: String = "", table: String = "", name: String, originalName: String = "",
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
    package var isUnsigned: Bool { flags & 0x20 != 0 }
}

/// One entry of an OK packet's session state information.
package struct MySQLSessionStateChange: Sendable, Equatable {
    /// 0 system variable, 1 schema, 2 state change, 3 GTIDs, 4 transaction characteristics, 5 transaction state.
    package var type: UInt8
    package var name: String
    package var value: String
    package init(type: UInt8, name: String, value: String) {
        self.type = type
        self.name = name
        self.value = value
    }
}
