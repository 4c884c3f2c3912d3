/// Why a capture could not be opened or read any further.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for callers that act on it (exit status, retry, partial results).
    public enum Kind: Sendable {
        /// The file cannot be opened or read (permissions, missing, I/O error).
        case unreadable
        /// The file is not a pcap or pcapng capture at all.
        case notACapture
        /// A structural problem in the middle of the file.
        case damaged
        /// libpcap refused the file.
        case libpcap
        /// Writing an output failed (split, capture -w).
        case writeFailed
    }

    public var kind: Kind
    public var path: String
    /// Byte offset in the (uncompressed) file where the problem is, when known.
    public var offset: Int?
    public var message: String

    public init(_ kind: Kind, path: String, offset: Int? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String {
        if let offset { return "\(path): \(message) (at byte offset \(offset))" }
        return "\(path): \(message)"
    }
}

/// A problem the reader met and stepped over or stopped at, keeping every packet before it.
public struct CaptureWarning: Sendable, CustomStringConvertible {
    public var path: String
    public var offset: Int
    public var message: String
    public init(path: String, offset: Int, message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }
    public var description: String { "\(path): \(message) at byte offset \(offset); packets before it were read" }
}
