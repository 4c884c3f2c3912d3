import HTTPDecoding

/// Which HTTP bodies carry image data, handed down to the HTTP decoder (which knows no OpenStack):
/// they are hashed (MD5 and SHA-512) instead of kept.
///
/// The data path of an image on a Swift store is client -> Glance -> Swift on upload and back on
/// download; each leg's bytes are hashed so that the report can say where they changed.
///
/// These are the only image-data rules: the HTTP decoder gets them as its hashing
/// configuration and `glancetrace split --slim` as the requests whose bodies it cuts.
package enum ImageDataRoutes {
    /// Which request carries image data: Glance's `PUT /v2/images/{id}/file` (upload) and
    /// `.../stage` (interoperable import), and a write of a Swift object (glance_store's
    /// `PUT /v1/AUTH_.../container/object`). Arguments: the method and the path (no query).
    package static let hashesUpload: @Sendable (String, String) -> Bool = { method, path in
        method == "PUT" && (path.hasSuffix("/file") || path.hasSuffix("/stage") || isSwiftObject(path))
    }

    /// A successful Glance `GET /v2/images/{id}/file` or Swift object `GET`.
    static let hashesDownload: @Sendable (String, String, Int) -> Bool = { method, path, status in
        method == "GET" && (200..<300).contains(status) && (path.hasSuffix("/file") || isSwiftObject(path))
    }

    /// glance_store writes an image larger than `swift_store_large_object_size` (or of unknown
    /// size) as segments named `<object>-00001`, `-00002`, ... (`"%s-%05d"`) and then a manifest
    /// (`X-Object-Manifest: <container>/<object>-`): a segment is part N of the whole keyed by its
    /// path without the suffix.
    static let uploadPart: @Sendable (String, String) -> (whole: String, part: Int)? = { method, path in
        guard method == "PUT", isSwiftObject(path) else { return nil }
        return segmentNumber(path)
    }

    /// The decoder configuration with these rules (`hashes` false: nothing hashed, as for `sql`).
    package static func configure(_ configuration: inout HTTPDecoderConfiguration, hashes: Bool) {
        guard hashes else {
            configuration.hashesUpload = { _, _ in false }
            configuration.hashesDownload = { _, _, _ in false }
            return
        }
        configuration.hashesUpload = hashesUpload
        configuration.hashesDownload = hashesDownload
        configuration.uploadPart = uploadPart
        configuration.uploadChains = UploadChains()
    }

    /// `/v1/AUTH_<project>/<container>/<object...>`: an object of Swift's API (Keystone's and
    /// tempauth's reseller prefix `AUTH_`), not an account or a container.
    static func isSwiftObject(_ path: String) -> Bool {
        guard path.hasPrefix("/v1/AUTH_") || path.hasPrefix("/v1/auth_") else { return false }
        let segments = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // "", "v1", account, "container/object..."
        guard segments.count == 4, let slash = segments[3].firstIndex(of: "/") else { return false }
        return slash != segments[3].startIndex && segments[3].index(after: slash) != segments[3].endIndex
    }

    /// The path without its `-NNNNN` suffix and the number, when it ends so.
    static func segmentNumber(_ path: String) -> (whole: String, part: Int)? {
        let utf8 = path.utf8
        guard utf8.count > 6 else { return nil }
        let digits = utf8.suffix(5)
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              utf8[utf8.index(utf8.endIndex, offsetBy: -6)] == UInt8(ascii: "-"),
              let part = Int(String(decoding: digits, as: UTF8.self)), part > 0 else { return nil }
        return (String(decoding: utf8.dropLast(6), as: UTF8.self), part)
    }
}
