/// Capability flags of the MySQL/MariaDB handshake (`CLIENT_*`).
///
/// The low 32 bits are MySQL's; MariaDB puts its extended capabilities in the 4 bytes that
/// MySQL reserves in the greeting and the handshake response, shown here as bits 32...63.
public struct MySQLCapabilities: OptionSet, Sendable, Hashable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let longPassword = MySQLCapabilities(rawValue: 1 << 0)
    public static let foundRows = MySQLCapabilities(rawValue: 1 << 1)
    public static let longFlag = MySQLCapabilities(rawValue: 1 << 2)
    public static let connectWithDB = MySQLCapabilities(rawValue: 1 << 3)
    public static let noSchema = MySQLCapabilities(rawValue: 1 << 4)
    public static let compress = MySQLCapabilities(rawValue: 1 << 5)
    public static let odbc = MySQLCapabilities(rawValue: 1 << 6)
    public static let localFiles = MySQLCapabilities(rawValue: 1 << 7)
    public static let ignoreSpace = MySQLCapabilities(rawValue: 1 << 8)
    public static let protocol41 = MySQLCapabilities(rawValue: 1 << 9)
    public static let interactive = MySQLCapabilities(rawValue: 1 << 10)
    public static let ssl = MySQLCapabilities(rawValue: 1 << 11)
    public static let ignoreSigpipe = MySQLCapabilities(rawValue: 1 << 12)
    public static let transactions = MySQLCapabilities(rawValue: 1 << 13)
    public static let reserved = MySQLCapabilities(rawValue: 1 << 14)
    public static let secureConnection = MySQLCapabilities(rawValue: 1 << 15)
    public static let multiStatements = MySQLCapabilities(rawValue: 1 << 16)
    public static let multiResults = MySQLCapabilities(rawValue: 1 << 17)
    public static let psMultiResults = MySQLCapabilities(rawValue: 1 << 18)
    public static let pluginAuth = MySQLCapabilities(rawValue: 1 << 19)
    public static let connectAttributes = MySQLCapabilities(rawValue: 1 << 20)
    public static let pluginAuthLengthEncodedData = MySQLCapabilities(rawValue: 1 << 21)
    public static let canHandleExpiredPasswords = MySQLCapabilities(rawValue: 1 << 22)
    public static let sessionTrack = MySQLCapabilities(rawValue: 1 << 23)
    public static let deprecateEOF = MySQLCapabilities(rawValue: 1 << 24)
    public static let optionalResultsetMetadata = MySQLCapabilities(rawValue: 1 << 25)
    /// MySQL 8.0.18+: zstd compression (`CLIENT_ZSTD_COMPRESSION_ALGORITHM`).
    public static let zstdCompression = MySQLCapabilities(rawValue: 1 << 26)
    /// MySQL 8.0.23+: query attributes in COM_QUERY and COM_STMT_EXECUTE.
    public static let queryAttributes = MySQLCapabilities(rawValue: 1 << 27)
    public static let multiFactorAuthentication = MySQLCapabilities(rawValue: 1 << 28)
    public static let sslVerifyServerCertificate = MySQLCapabilities(rawValue: 1 << 30)
    public static let rememberOptions = MySQLCapabilities(rawValue: 1 << 31)

    // MariaDB extended capabilities (bits 0... of the extra 4 bytes).
    public static let mariaDBProgress = MySQLCapabilities(rawValue: 1 << 32)
    public static let mariaDBComMulti = MySQLCapabilities(rawValue: 1 << 33)
    public static let mariaDBStmtBulkOperations = MySQLCapabilities(rawValue: 1 << 34)
    public static let mariaDBExtendedTypeInfo = MySQLCapabilities(rawValue: 1 << 35)
    public static let mariaDBCacheMetadata = MySQLCapabilities(rawValue: 1 << 36)
}
