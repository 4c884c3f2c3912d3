/// Limits of a `MySQLConnectionDecoder`: what it keeps of large statements and results.
package struct MySQLDecoderConfiguration: Sendable {
    /// Statement text kept per command; the rest is counted in `statementBytes`.
    package var maxStatementBytes: Int = 1 << 20
    /// Rows kept per result set; later rows are counted only.
    package var maxKeptRows: Int = 100
    /// Bytes kept of one row value; longer values are cut and end in "…".
    package var maxValueBytes: Int = 1024
    /// Bytes kept of any other packet payload (rows, column definitions, OK info).
    package var maxPacketBytes: Int = 64 * 1024
    /// Whether the rows of a command's result sets are kept (up to `maxKeptRows`), and the column
    /// definitions of its text results, asked once per command with its statement. A caller that
    /// reads the rows of a few statements only spares the decoding of all the others' values and
    /// column definitions (a busy pool answers a million of them); rows are counted either way.
    package var keepsRows: @Sendable (_ statement: String) -> Bool = { _ in true }

    package init(maxStatementBytes: Int = 1 << 20, maxKeptRows: Int = 100, maxValueBytes: Int = 1024,
                maxPacketBytes: Int = 64 * 1024) {
        self.maxStatementBytes = max(maxStatementBytes, 0)
        self.maxKeptRows = max(maxKeptRows, 0)
        self.maxValueBytes = max(maxValueBytes, 0)
        self.maxPacketBytes = max(maxPacketBytes, 64)
    }

    package static let `default` = MySQLDecoderConfiguration()
}
