import CaptureIO

/// One MySQL command and its response.
public struct MySQLCommandRecord {
    public init() {}
}
