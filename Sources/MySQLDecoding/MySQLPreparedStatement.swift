/// What the decoder remembers of one prepared statement, to bind Execute's parameters.
struct MySQLPreparedStatement {
    var text: String
    var parameterCount: Int
    var columnCount: Int
    /// Types from the last Execute with new-params-bound = 1 (the server remembers them too).
    var parameterTypes: [(type: MySQLFieldType, unsigned: Bool)] = []
    /// Result columns from the Prepare response (or the last Execute), for Fetch and cached metadata.
    var columns: [MySQLColumn] = []
    /// COM_STMT_SEND_LONG_DATA pieces by parameter, capped; cleared by Execute and Reset stmt.
    var longData: [Int: [UInt8]] = [:]
    var longDataTruncated: Set<Int> = []
}

/// One command waiting for (or reading) its response.
///
/// A class so that rows appended while reading a long result set are not copied on write.
final class MySQLPendingCommand {
    enum Phase {
        case first
        case columnDefinitions
        case columnsEOF
        case rows
        case prepareParameters
        case prepareParametersEOF
        case prepareColumns
        case prepareColumnsEOF
        /// The server asked for a local file; the client is sending it.
        case localInfile
        /// COM_CHANGE_USER's authentication exchange.
        case authentication
        /// COM_FIELD_LIST: column definitions up to EOF.
        case fieldList
    }

    var record: MySQLCommandRecord
    /// `configuration.keepsRows` for this command, asked at its first column definition or row.
    var keepsRows: Bool?
    var phase: Phase = .first
    var currentSet = MySQLResultSet()
    var columnsLeft = 0
    var binaryRows = false
    /// Prepare: the text being prepared and the counts from its OK.
    var preparedText: String?
    var prepareParametersLeft = 0
    var prepareColumns: [MySQLColumn] = []
    var prepareParameterCount = 0
    /// The database a successful `USE`, Init DB or Change user switches to.
    var newDatabase: String?
    /// The user a successful Change user switches to.
    var newUser: String?
    /// A result set is being read (appended to the result when it ends or is cut).
    var setOpen = false

    init(record: MySQLCommandRecord) {
        self.record = record
    }
}
