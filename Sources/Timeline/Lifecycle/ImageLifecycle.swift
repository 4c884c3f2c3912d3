import CaptureIO

/// Where a status transition was learnt.
public enum TransitionSource: String, Sendable {
    /// The SQL write that made it (committed).
    case sql
    /// An HTTP response that reported it (no SQL write seen for it).
    case http
}

/// One change of an image's status.
public struct StatusTransition: Sendable, Equatable {
    public var status: String
    public var time: Timestamp
    public var source: TransitionSource
    /// Index of the HTTP exchange during which it happened, if known.
    public var http: Int?
    /// Index of the SQL statement that made it, if known.
    public var sql: Int?
}

/// The image data sent by `PUT /v2/images/{id}/file` (or `/stage`) and what Glance stored.
public struct ImageUpload: Sendable {
    public var http: Int
    public var bytesOnWire: Int
    public var started: Timestamp
    public var ended: Timestamp
    public var complete: Bool
    public var md5: String?
    public var sha512: String?
    /// True/false when both the wire hashes and the stored checksum are known; nil otherwise.
    public var matchesChecksum: Bool?
    /// Seen only as encrypted records: `bytesOnWire` is the request's plaintext, head and body
    /// together, and the hashes cannot be computed.
    public var inferred = false
    /// Whether the request could carry exactly the size Glance stored (checked for inferred
    /// uploads, whose hashes cannot be); nil when not checked.
    public var sizeMatches: Bool?
    /// What the image store received (see `ImageDataPath`).
    public var store: StoreTransfer? = nil
    /// Upload bytes the snap length cut (`tcpdump -s`, `split --slim`): on the wire, so the
    /// upload may be whole, but its hashes cannot be verified.
    public var bytesNotCaptured = 0

    public var durationSeconds: Double { Double(ended.nanoseconds(since: started)) / 1e9 }
    public var throughputBytesPerSecond: Double? {
        durationSeconds > 0 ? Double(bytesOnWire) / durationSeconds : nil
    }
}

/// What happened to one Glance image, in capture order.
public struct ImageLifecycle: Sendable {
    public var id: String?
    public var name: String?
    public var diskFormat: String?
    public var containerFormat: String?
    public var visibility: String?
    public var size: Int64?
    public var checksum: String?
    public var osHashAlgo: String?
    public var osHashValue: String?
    /// Properties in the order they were set (`hw_architecture`, ...); removed ones dropped.
    public var properties: [(name: String, value: String)] = []
    public var transitions: [StatusTransition] = []
    public var upload: ImageUpload?
    /// HTTP exchanges that concern the image (by id or by name), in time order.
    public var http: [Int] = []
    /// The image's row as the database last returned or wrote it.
    public var finalRow: [String: String?] = [:]
    /// Where Glance recorded the data (`image_locations`), in order.
    public var locations: [ImageLocation] = []
    /// The image's data downloads and the store reads behind them.
    public var downloads: [ImageDownload] = []
    public var firstSeen: Timestamp

    public init(id: String?, name: String?, firstSeen: Timestamp) {
        self.id = id
        self.name = name
        self.firstSeen = firstSeen
    }

    /// The last status seen.
    public var status: String? { transitions.last?.status }

    /// Seconds spent in each status, in order (the last one until the end of the capture is omitted).
    public var phaseDurations: [(status: String, seconds: Double)] {
        zip(transitions, transitions.dropFirst()).map {
            ($0.status, Double($1.time.nanoseconds(since: $0.time)) / 1e9)
        }
    }

    public mutating func setProperty(_ name: String, _ value: String) {
        if let i = properties.firstIndex(where: { $0.name == name }) {
            properties[i].value = value
        } else {
            properties.append((name, value))
        }
    }
}

/// What kind of thing an `Anomaly` reports; the raw value is its JSON spelling (`anomalies[].kind`).
public enum AnomalyKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The uploaded data's MD5 differs from the checksum Glance stored.
    case checksumMismatch = "checksum-mismatch"
    /// Connections closed early by the memory budget or the half-open timeout (one aggregate).
    case connectionFlood = "connection-flood"
    case httpServerError = "http-server-error"
    case imageKilled = "image-killed"
    case incompleteRequest = "incomplete-request"
    /// What a store received differs from what was uploaded or downloaded.
    case integrityMismatch = "integrity-mismatch"
    case responseWithoutRequest = "response-without-request"
    case sqlError = "sql-error"
    case storeWriteFailed = "store-write-failed"
    /// A write whose transaction was rolled back or never committed in the capture.
    case uncommittedWrite = "uncommitted-write"
    case uploadFailed = "upload-failed"
    case uploadSizeMismatch = "upload-size-mismatch"

    /// The JSON spelling, also in text reports.
    public var description: String { rawValue }
}

/// Something in the capture a user should look at.
public struct Anomaly: Sendable {
    public var time: Timestamp
    public var kind: AnomalyKind
    public var message: String
    /// How many anomalies of this kind the entry stands for (1 unless aggregated, see
    /// `AnomalyAggregation`); `first`/`last` and `examples` are set when it is more.
    public var count = 1
    public var first: Timestamp?
    public var last: Timestamp?
    public var examples: [String] = []
    public init(time: Timestamp, kind: AnomalyKind, message: String) {
        self.time = time
        self.kind = kind
        self.message = message
    }
}
