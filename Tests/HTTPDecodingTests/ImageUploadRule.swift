import HTTPDecoding

extension HTTPDecoderConfiguration {
    /// A configuration that hashes the bodies of `PUT .../file` and `.../stage`, as the analysis's
    /// image-data routes do (the decoder itself hashes nothing unless told).
    static var hashingImageUploads: HTTPDecoderConfiguration {
        var configuration = HTTPDecoderConfiguration()
        configuration.hashesUpload = { method, path in method == "PUT" && (path.hasSuffix("/file") || path.hasSuffix("/stage")) }
        return configuration
    }
}
