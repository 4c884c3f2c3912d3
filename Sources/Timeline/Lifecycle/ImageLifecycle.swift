import CaptureIO

/// Where a status transition was learnt.
package enum TransitionSource: String, Sendable {
    /// The SQL write that made it (committed).
    case sql
    /// An HTTP response that reported it (no SQL write seen for it).
    case http
}

/// One change of an image's status.
package struct StatusTransition: Sendable, Equatable {
    /// The status entered (`queued`, `saving`, `active`, `killed`, ...), as Glance spells it.
    package var status: String
    /// When it was entered: the SQL write's time, or the HTTP response's.
    package var time: Timestamp
    /// Whether a SQL write or an HTTP response told it.
    package var source: TransitionSource
    /// Index of the HTTP exchange during which it happened, if known.
    package var http: Int?
    /// Index of the SQL statement that made it, if known.
    package var sql: Int?
}

/// The image data sent by `PUT /v2/images/{id}/file` (or `/stage`) and what Glance stored.
package struct ImageUpload: Sendable {
    /// Index of the upload's HTTP exchange.
    package var http: Int
    /// Body bytes the request carried on the wire.
    package var bytesOnWire: Int
    /// When the request began.
    package var started: Timestamp
    /// When the request's last byte was sent.
    package var ended: Timestamp
    /// Whether every byte of the body is in the capture.
    package var complete: Bool
    /// MD5 of the body as captured (hex), when it is whole; Glance's `checksum`.
    package var md5: String?
    /// SHA-512 of the body as captured (hex), when it is whole; Glance's default `os_hash_value`.
    package var sha512: String?
    /// True/false when both the wire hashes and the stored checksum are known; nil otherwise.
    package var matchesChecksum: Bool?
    /// Seen only as encrypted records: `bytesOnWire` is the request's plaintext, head and body
    /// together, and the hashes cannot be computed.
    package var inferred = false
    /// Whether the request could carry exactly the size Glance stored (checked for inferred
    /// uploads, whose hashes cannot be); nil when not checked.
    package var sizeMatches: Bool?
    /// What the image store received (see `ImageDataPath`).
    package var store: StoreTransfer? = nil
    /// Upload bytes the snap length cut (`tcpdump -s`, `split --slim`): on the wire, so the
    /// upload may be whole, but its hashes cannot be verified.
    package var bytesNotCaptured = 0

    /// Seconds from the request's start to its last byte.
    package var durationSeconds: Double { Double(ended.nanoseconds(since: started)) / 1e9 }
    /// Body bytes per second over `durationSeconds`; nil for an instant upload.
    package var throughputBytesPerSecond: Double? {
        durationSeconds > 0 ? Double(bytesOnWire) / durationSeconds : nil
    }
}

/// What happened to one Glance image, in capture order.
package struct ImageLifecycle: Sendable {
    /// The image's id (UUID); nil while only its name is known.
    package var id: String?
    /// The image's name.
    package var name: String?
    /// `disk_format` (`qcow2`, `raw`, ...).
    package var diskFormat: String?
    /// `container_format` (`bare`, ...).
    package var containerFormat: String?
    /// `visibility` (`public`, `private`, `shared`, `community`).
    package var visibility: String?
    /// The size in bytes Glance stored.
    package var size: Int64?
    /// The MD5 checksum Glance stored (hex).
    package var checksum: String?
    /// The multihash algorithm Glance used (`os_hash_algo`, `sha512` by default).
    package var osHashAlgo: String?
    /// The multihash Glance stored (`os_hash_value`, hex).
    package var osHashValue: String?
    /// Properties in the order they were set (`hw_architecture`, ...); removed ones dropped.
    package var properties: [(name: String, value: String)] = []
    /// Every status change, in time order.
    package var transitions: [StatusTransition] = []
    /// The data upload, when one was seen.
    package var upload: ImageUpload?
    /// HTTP exchanges that concern the image (by id or by name), in time order.
    package var http: [Int] = []
    /// The image's row as the database last returned or wrote it.
    package var finalRow: [String: String?] = [:]
    /// Where Glance recorded the data (`image_locations`), in order.
    package var locations: [ImageLocation] = []
    /// The image's data downloads and the store reads behind them.
    package var downloads: [ImageDownload] = []
    /// When the capture first mentions the image.
    package var firstSeen: Timestamp

    /// An image known so far by its id or name alone.
    package init(id: String?, name: String?, firstSeen: Timestamp) {
        self.id = id
        self.name = name
        self.firstSeen = firstSeen
    }

    /// The last status seen.
    package var status: String? { transitions.last?.status }

    /// Seconds spent in each status, in order (the last one until the end of the capture is omitted).
    package var phaseDurations: [(status: String, seconds: Double)] {
        zip(transitions, transitions.dropFirst()).map {
            ($0.status, Double($1.time.nanoseconds(since: $0.time)) / 1e9)
        }
    }

    /// Sets property `name` to `value`, keeping its first place when it was set before.
    package mutating func setProperty(_ name: String, _ value: String) {
        if let i = properties.firstIndex(where: { $0.name == name }) {
            properties[i].value = value
        } else {
            properties.append((name, value))
        }
    }
}

/// What kind of thing an `Anomaly` reports; the raw value is its JSON spelling (`anomalies[].kind`).
package enum AnomalyKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The uploaded data's MD5 differs from the checksum Glance stored.
    case checksumMismatch = "checksum-mismatch"
    /// Connections closed early by the memory budget or the half-open timeout (one aggregate).
    case connectionFlood = "connection-flood"
    /// A response with a 5xx status.
    case httpServerError = "http-server-error"
    /// An image ended in status `killed` (its upload failed).
    case imageKilled = "image-killed"
    /// A request whose body is not whole in the capture.
    case incompleteRequest = "incomplete-request"
    /// What a store received differs from what was uploaded or downloaded.
    case integrityMismatch = "integrity-mismatch"
    /// A response whose request is not in the capture (lost, or sent before it began).
    case responseWithoutRequest = "response-without-request"
    /// A SQL statement answered with an error.
    case sqlError = "sql-error"
    /// The image store refused or broke off a write of the image's data.
    case storeWriteFailed = "store-write-failed"
    /// A write whose transaction was rolled back or never committed in the capture.
    case uncommittedWrite = "uncommitted-write"
    /// An upload after which the image fell back or was killed, with the HTTP cause.
    case uploadFailed = "upload-failed"
    /// An encrypted upload whose plaintext cannot hold the size Glance stored.
    case uploadSizeMismatch = "upload-size-mismatch"

    /// The JSON spelling, also in text reports.
    package var description: String { rawValue }
}

/// Something in the capture a user should look at.
package struct Anomaly: Sendable {
    /// When it happened (the first time, for an aggregate).
    package var time: Timestamp
    /// What kind of thing it is.
    package var kind: AnomalyKind
    /// The sentence the reports print.
    package var message: String
    /// How many anomalies of this kind the entry stands for (1 unless aggregated, see
    /// `AnomalyAggregation`); `first`/`last` and `examples` are set when it is more.
    package var count = 1
    /// The first occurrence, for an aggregate.
    package var first: Timestamp?
    /// The last occurrence, for an aggregate.
    package var last: Timestamp?
    /// A few of the aggregated messages.
    package var examples: [String] = []
    /// One anomaly.
    package init(time: Timestamp, kind: AnomalyKind, message: String) {
        self.time = time
        self.kind = kind
        self.message = message
    }
}
