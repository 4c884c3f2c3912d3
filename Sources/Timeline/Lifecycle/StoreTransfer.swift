import CaptureIO
import HTTPDecoding

/// Where Glance recorded an image's data (a row of `image_locations`).
package struct ImageLocation: Sendable, Equatable {
    /// The location URL, any password in it masked (`swift+http://user:<masked ...>@host/...`).
    package var url: String
    /// The store kind its scheme names: `swift`, `file`, `rbd`, `cinder`, `s3`, `http`, `vmware`.
    package var backend: String
    /// Glance's name for the store (`meta_data` `{"store": "swift1"}`), when recorded.
    package var store: String?
    /// The location's status (`active`, `pending_delete`, ...), when recorded.
    package var status: String?
    /// The SQL statement that recorded it.
    package var sql: Int

    /// A location as the SQL statement recorded it; the URL's password is masked here.
    package init(url: String, store: String?, status: String?, sql: Int) {
        self.url = ImageLocation.masked(url)
        backend = ImageLocation.backend(of: url)
        self.store = store
        self.status = status
        self.sql = sql
    }

    /// The store kind a location's scheme names (glance_store's schemes).
    package static func backend(of url: String) -> String {
        let scheme = url.prefix { $0 != ":" }.lowercased()
        if scheme.hasPrefix("swift") { return "swift" }
        switch scheme {
        case "file", "rbd", "cinder", "sheepdog": return scheme
        case "s3", "s3+http", "s3+https": return "s3"
        case "http", "https": return "http"
        case "vsphere": return "vmware"
        default: return scheme.isEmpty ? "unknown" : scheme
        }
    }

    /// The URL with the password of its user information masked: glance_store's
    /// `swift+http://` locations carry the store's user and key.
    static func masked(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        let password = String(userInfo[userInfo.index(after: colon)...])
        guard !password.isEmpty else { return url }
        return String(url[..<userInfo.index(after: colon)]) + SecretMask.masked(password) + String(url[at...])
    }
}

/// One segment of a large object (glance_store's `<image>-00001`...), as written on the wire.
package struct StoreSegment: Sendable, Equatable {
    /// The segment's object name.
    package var object: String
    /// The `PUT` that wrote it.
    package var http: Int
    /// Body bytes of the `PUT` on the wire.
    package var bytes: Int
    /// MD5 of those bytes (hex), when all were captured.
    package var md5: String?
    /// Swift's ETag in the answer.
    package var etag: String?
    /// Whether Swift's ETag is the MD5 of the bytes on the wire; nil when either is unknown.
    package var matchesETag: Bool?
}

/// What the image store received for an upload, or gave for a download, as seen on the wire.
package struct StoreTransfer: Sendable, Equatable {
    /// The store kind (`swift`, `file`, `rbd`, ...; see `ImageLocation.backend(of:)`).
    package var backend: String
    /// The image's location as Glance recorded it.
    package var location: String?
    /// False for a store that is not HTTP (file, RBD, Cinder), or a Swift store whose calls the
    /// capture lacks: then nothing below is known.
    package var onWire: Bool
    /// The Swift account (`AUTH_...`) of the object calls.
    package var account: String?
    /// The Swift container of the object calls.
    package var container: String?
    /// The object (for a large object, its manifest).
    package var object: String?
    /// The object calls: the data `PUT`s (segments, then the manifest) or the `GET`.
    package var http: [Int] = []
    /// Data bytes the object calls carried on the wire.
    package var bytes: Int?
    /// Every byte was captured.
    package var complete = false
    /// MD5 of the data (hex), when every byte was captured.
    package var md5: String?
    /// SHA-512 of the data (hex), when every byte was captured.
    package var sha512: String?
    /// Swift's ETag of the object (of a large object's manifest on download: the MD5 of its
    /// segments' ETags).
    package var etag: String?
    /// Whether the ETag fits the bytes (for a large object: every segment's does).
    package var matchesETag: Bool?
    /// Upload: the store's bytes are the client's upload. Download: the bytes Glance forwarded to
    /// the client are the store's.
    package var matchesUpload: Bool?
    /// The store's bytes have the checksum and os_hash_value Glance recorded.
    package var matchesChecksum: Bool?
    /// The segments of a large object, in order; nil for a plain object.
    package var segments: [StoreSegment]?
    /// Object `DELETE`s of what was written (Glance cleaning up after a failed write).
    package var deletes: [Int] = []

    /// A transfer known so far by its store and location.
    package init(backend: String, location: String?, onWire: Bool) {
        self.backend = backend
        self.location = location
        self.onWire = onWire
    }
}

/// A `GET /v2/images/{id}/file` and, behind it, the store's read.
package struct ImageDownload: Sendable {
    /// Index of the download's HTTP exchange.
    package var http: Int
    /// When the request began.
    package var time: Timestamp
    /// The response's status code; nil without a response.
    package var status: Int?
    /// Response body bytes on the wire.
    package var bytes: Int
    /// Whether every body byte was captured.
    package var complete: Bool
    /// MD5 of the body (hex), when every byte was captured.
    package var md5: String?
    /// SHA-512 of the body (hex), when every byte was captured.
    package var sha512: String?
    /// The client received the checksum and os_hash_value Glance recorded.
    package var matchesChecksum: Bool?
    /// The store's read (Swift `GET`) behind it; `matchesUpload` there says whether Glance
    /// forwarded the store's bytes unchanged.
    package var store: StoreTransfer?
}
