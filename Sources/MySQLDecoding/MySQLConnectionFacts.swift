/// What the connection phase told about one MySQL connection.
package struct MySQLConnectionFacts: Sendable, Equatable {
    /// The server greeting's version string ("10.11.19-MariaDB-0+deb12u1").
    package var serverVersion: String?
    /// The server's thread id: the general log's connection id.
    package var connectionID: UInt32?
    package var serverCapabilities: MySQLCapabilities = []
    package var clientCapabilities: MySQLCapabilities = []
    /// The server's default character set (collation id).
    package var serverCharacterSet: UInt8?
    package var clientCharacterSet: UInt8?
    package var serverStatus: UInt16?
    /// The greeting's authentication plugin, then the one the server switched to.
    package var authPlugin: String?
    package var user: String?
    /// The default database: from the handshake response, then COM_INIT_DB, `USE` and
    /// session-state schema changes.
    package var database: String?
    /// Connection attributes the client sent (`_client_name`, `program_name`, ...).
    package var clientAttributes: [String: String] = [:]
    /// The client asked for TLS (SSLRequest); the rest of the connection is not MySQL framing.
    package var isTLS = false
    /// CLIENT_COMPRESS was negotiated (zlib compressed protocol).
    package var isCompressed = false
    /// CLIENT_ZSTD_COMPRESSION_ALGORITHM was negotiated (MySQL 8): packets are zstd frames.
    package var isZstdCompressed = false
    /// Authentication finished: true OK, false ERR, nil not seen.
    package var authenticated: Bool?
    /// The capture holds the server greeting.
    package var sawHandshake = false

    package init() {}

    /// Capabilities both sides have.
    package var negotiated: MySQLCapabilities { serverCapabilities.intersection(clientCapabilities) }
}
