import HTTPDecoding
import MySQLDecoding

/// What happened to one Glance image (issue: the image-lifecycle timeline).
public struct ImageLifecycle {
    public init() {}
}
