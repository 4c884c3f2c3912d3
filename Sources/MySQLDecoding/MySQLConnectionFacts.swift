/// What the connection phase told about one MySQL connection.
public struct MySQLConnectionFacts: Sendable, Equatable {
    /// The server greeting's version string ("10.11.19-MariaDB-0+deb12u1").
    public var serverVersion: String?
    /// The server's thread id: the general log's connection id.
    public var connectionID: UInt32?
    public var serverCapabilities: MySQLCapabilities = []
    public var clientCapabilities: MySQLCapabilities = []
    /// The server's default character set (collation id).
    public var serverCharacterSet: UInt8?
    public var clientCharacterSet: UInt8?
    public var serverStatus: UInt16?
    /// The greeting's authentication plugin, then the one the server switched to.
    public var authPlugin: String?
    public var user: String?
    /// The default database: from the handshake response, then COM_INIT_DB, `USE` and
    /// session-state schema changes.
    public var database: String?
    /// Connection attributes the client sent (`_client_name`, `program_name`, ...).
    public var clientAttributes: [String: String] = [:]
    /// The client asked for TLS (SSLRequest); the rest of the connection is not MySQL framing.
    public var isTLS = false
    /// CLIENT_COMPRESS was negotiated (zlib compressed protocol).
    public var isCompressed = false
    /// CLIENT_ZSTD_COMPRESSION_ALGORITHM was negotiated (MySQL 8): packets are zstd frames.
    public var isZstdCompressed = false
    /// Authentication finished: true OK, false ERR, nil not seen.
    public var authenticated: Bool?
    /// The capture holds the server greeting.
    public var sawHandshake = false

    public init() {}

    /// Capabilities both sides have.
    public var negotiated: MySQLCapabilities { serverCapabilities.intersection(clientCapabilities) }
}
