import HTTPDecoding

/// What an HTTP exchange shows of image data besides its upload digests, and what an object
/// store (Swift) said of the object: the facts the image's data path is checked with.
package struct HTTPTransferFacts: Sendable {
    /// MD5 and SHA-512 of a download's response body (Glance `GET .../file`, Swift object `GET`).
    package var downloadDigests: UploadDigests?
    /// For a segment of a large object: the digests of the segments up to and with this one.
    package var joinedUploadDigests: UploadDigests?
    /// Response body bytes on the wire (missing ones included).
    package var responseBodyBytes = 0
    /// True when the response body is whole in the capture.
    package var responseComplete = true
    /// Swift's `Etag` (see `OpenStackCall.swiftETag`).
    package var etag: String?
    /// Swift's `X-Object-Manifest` (a manifest's PUT, GET or HEAD).
    package var objectManifest: String?
    /// Swift's `X-Trans-Id`.
    package var transID: String?

    /// No transfer facts.
    package init() {}

    init(exchange: borrowing HTTPExchange, call: borrowing OpenStackCall) {
        downloadDigests = exchange.downloadDigests
        joinedUploadDigests = exchange.joinedUploadDigests
        if let count = exchange.response?.body.byteCount, let missing = exchange.response?.body.missingBytes,
           let notCaptured = exchange.response?.body.bytesNotCaptured {
            responseBodyBytes = count &+ missing &+ notCaptured
        }
        responseComplete = exchange.response?.isComplete ?? false
        etag = call.swiftETag
        objectManifest = call.swiftManifest
        transID = call.swiftTransID
    }

    /// The ETag as a bare lowercase hex MD5 (Swift quotes some), or nil.
    package var etagMD5: String? {
        guard var text = etag?.lowercased() else { return nil }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        return text.utf8.count == 32 ? text : nil
    }
}

/// The parts of an HTTP fact that stay in memory when the fact goes to disk: digests that the
/// hashers may still be computing.
final class HTTPFactDigests {
    let upload: UploadDigests?
    let joinedUpload: UploadDigests?
    let download: UploadDigests?

    convenience init?(_ fact: borrowing HTTPFact) {
        self.init(upload: fact.uploadDigests, joinedUpload: fact.transfer.joinedUploadDigests,
                  download: fact.transfer.downloadDigests)
    }

    /// Tested before the object is allocated: nearly every exchange has no digests.
    init?(upload: UploadDigests?, joinedUpload: UploadDigests?, download: UploadDigests?) {
        if upload == nil && joinedUpload == nil && download == nil { return nil }
        self.upload = upload
        self.joinedUpload = joinedUpload
        self.download = download
    }

    func attach(to fact: inout HTTPFact) {
        fact.uploadDigests = upload
        fact.transfer.joinedUploadDigests = joinedUpload
        fact.transfer.downloadDigests = download
    }
}

extension SpillReader {
    mutating func transfer() -> HTTPTransferFacts? {
        guard let bytes = int(), let complete = byte(), let etag = optionalString(), let manifest = optionalString(),
              let transID = optionalString() else { return nil }
        var transfer = HTTPTransferFacts()
        transfer.responseBodyBytes = Int(truncatingIfNeeded: bytes)
        transfer.responseComplete = complete != 0
        transfer.etag = etag
        transfer.objectManifest = manifest
        transfer.transID = transID
        return transfer
    }
}
