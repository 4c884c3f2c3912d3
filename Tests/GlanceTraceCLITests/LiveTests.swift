import Testing

/// Every test that captures on `lo`, run one at a time: parallel captures would see each
/// other's traffic. Needs root (CI runs as root); a test whose needs are missing is skipped
/// with the reason.
@Suite(.serialized)
enum LiveTests {
    static let notRoot = "live capture needs root (or CAP_NET_RAW+CAP_NET_ADMIN); CI runs the tests as root"
    static let noBinary = "the glancetrace binary is not built next to the tests and could not be built (see the output; or run `swift build --product glancetrace`)"
    static let noOTLP = "needs python3 with opentelemetry-proto (pip install opentelemetry-proto) for the OTLP receiver"
    static let noMariaDB = "needs mariadbd, mariadb-install-db and python3 with PyMySQL (apt-get install mariadb-server python3-pymysql)"
}
