/// Capability flags of the MySQL/MariaDB handshake (`CLIENT_*`).
///
/// The low 32 bits are MySQL's; MariaDB puts its extended capabilities in the 4 bytes that
/// MySQL reserves in the greeting and the handshake response, shown here as bits 32...63.
package struct MySQLCapabilities: OptionSet, Sendable, Hashable {
    package var rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    package static let longPassword = MySQLCapabilities(rawValue: 1 << 0)
    package static let foundRows = MySQLCapabilities(rawValue: 1 << 1)
    package static let longFlag = MySQLCapabilities(rawValue: 1 << 2)
    package static let connectWithDB = MySQLCapabilities(rawValue: 1 << 3)
    package static let noSchema = MySQLCapabilities(rawValue: 1 << 4)
    package static let compress = MySQLCapabilities(rawValue: 1 << 5)
    package static let odbc = MySQLCapabilities(rawValue: 1 << 6)
    package static let localFiles = MySQLCapabilities(rawValue: 1 << 7)
    package static let ignoreSpace = MySQLCapabilities(rawValue: 1 << 8)
    package static let protocol41 = MySQLCapabilities(rawValue: 1 << 9)
    package static let interactive = MySQLCapabilities(rawValue: 1 << 10)
    package static let ssl = MySQLCapabilities(rawValue: 1 << 11)
    package static let ignoreSigpipe = MySQLCapabilities(rawValue: 1 << 12)
    package static let transactions = MySQLCapabilities(rawValue: 1 << 13)
    package static let reserved = MySQLCapabilities(rawValue: 1 << 14)
    package static let secureConnection = MySQLCapabilities(rawValue: 1 << 15)
    package static let multiStatements = MySQLCapabilities(rawValue: 1 << 16)
    package static let multiResults = MySQLCapabilities(rawValue: 1 << 17)
    package static let psMultiResults = MySQLCapabilities(rawValue: 1 << 18)
    package static let pluginAuth = MySQLCapabilities(rawValue: 1 << 19)
    package static let connectAttributes = MySQLCapabilities(rawValue: 1 << 20)
    package static let pluginAuthLengthEncodedData = MySQLCapabilities(rawValue: 1 << 21)
    package static let canHandleExpiredPasswords = MySQLCapabilities(rawValue: 1 << 22)
    package static let sessionTrack = MySQLCapabilities(rawValue: 1 << 23)
    package static let deprecateEOF = MySQLCapabilities(rawValue: 1 << 24)
    package static let optionalResultsetMetadata = MySQLCapabilities(rawValue: 1 << 25)
    /// MySQL 8.0.18+: zstd compression (`CLIENT_ZSTD_COMPRESSION_ALGORITHM`).
    package static let zstdCompression = MySQLCapabilities(rawValue: 1 << 26)
    /// MySQL 8.0.23+: query attributes in COM_QUERY and COM_STMT_EXECUTE.
    package static let queryAttributes = MySQLCapabilities(rawValue: 1 << 27)
    package static let multiFactorAuthentication = MySQLCapabilities(rawValue: 1 << 28)
    package static let sslVerifyServerCertificate = MySQLCapabilities(rawValue: 1 << 30)
    package static let rememberOptions = MySQLCapabilities(rawValue: 1 << 31)

    // MariaDB extended capabilities (bits 0... of the extra 4 bytes).
    package static let mariaDBProgress = MySQLCapabilities(rawValue: 1 << 32)
    package static let mariaDBComMulti = MySQLCapabilities(rawValue: 1 << 33)
    package static let mariaDBStmtBulkOperations = MySQLCapabilities(rawValue: 1 << 34)
    package static let mariaDBExtendedTypeInfo = MySQLCapabilities(rawValue: 1 << 35)
    package static let mariaDBCacheMetadata = MySQLCapabilities(rawValue: 1 << 36)
}
