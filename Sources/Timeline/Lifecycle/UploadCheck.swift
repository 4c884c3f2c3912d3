/// The upload check: the bytes an upload request carried, their digests, and whether they
/// match the checksum and multihash Glance stored (`upload.matches_checksum`).
///
/// Static functions on one lifecycle (`&images[i]`): see `ImageIdentities.fill` for why.
enum UploadCheck {
    /// Records the upload an image-upload or image-stage request carried (its digests come later).
    static func record(_ fact: HTTPFact, into image: inout ImageLifecycle) {
        guard fact.operation == .imageUpload || fact.operation == .imageStage else { return }
        image.upload = ImageUpload(http: fact.index, bytesOnWire: fact.requestBytes, started: fact.time,
                                   ended: fact.requestEnd ?? fact.end, complete: fact.requestComplete,
                                   md5: nil, sha512: nil, matchesChecksum: nil)
        image.upload?.bytesNotCaptured = fact.requestBytesNotCaptured
    }

    /// Compares the upload's digests with what Glance stored: true/false when both are known.
    static func check(_ image: inout ImageLifecycle) {
        guard let upload = image.upload else { return }
        let verdict = ImageDataPath.agree(md5: (upload.md5, image.checksum), sha512: (upload.sha512, ImageDataPath.recordedSHA512(image)))
        image.upload?.matchesChecksum = verdict
    }

    /// Takes each upload's digests from its exchange and checks them.
    ///
    /// Called last: reading the digests waits for the hashers, which may still be at work.
    static func fillDigests(_ images: inout [ImageLifecycle], http: HTTPFactStore) {
        for i in images.indices {
            guard let upload = images[i].upload, http.indices.contains(upload.http),
                  let digests = http[upload.http].uploadDigests else { continue }
            images[i].upload?.md5 = digests.md5
            images[i].upload?.sha512 = digests.sha512
            check(&images[i])
        }
    }
}
