/// Limits and policies of `HTTPConnectionDecoder`.
///
/// Limits are configuration, as in swift-nio's `NIOHTTPDecoderLimitConfiguration`: a capture of
/// a hostile or broken peer must not make the decoder buffer without bound.
package struct HTTPDecoderConfiguration: Sendable {
    /// Largest start line plus header block (and trailer block) accepted; larger is an anomaly
    /// and the direction resynchronises.
    package var maxHeaderBytes: Int = 64 * 1024
    /// Text and JSON bodies are kept up to this many bytes (after decompression).
    package var maxKeptBodyBytes: Int = 1 << 20
    /// Nesting limit of the JSON parser used for kept bodies.
    package var maxJSONDepth: Int = 64
    /// Requests waiting for a response beyond this count are emitted as unanswered.
    package var maxPendingExchanges: Int = 1024
    /// Interim (1xx) responses kept per exchange; later ones are only counted.
    package var maxInterimResponses: Int = 16
    /// Connection-level anomalies kept; later ones are only counted.
    package var maxAnomalies: Int = 256
    /// Which request bodies are uploads to hash (MD5 and SHA-512) instead of keeping (none unless
    /// told: the decoder knows no application; the analysis hands down its routes).
    /// Arguments: the method and the path (target without query).
    package var hashesUpload: @Sendable (_ method: String, _ path: String) -> Bool = { _, _ in false }
    /// Which response bodies are downloads to hash instead of keeping (none unless told).
    /// Arguments: the request's method and path, and the response status.
    package var hashesDownload: @Sendable (_ method: String, _ path: String, _ status: Int) -> Bool = { _, _, _ in false }
    /// Which responses' text bodies something reads (all unless told): the others are counted
    /// and checked as when kept (the same notes), not copied. The analysis's facts read few: an
    /// image list's body, the largest of an API-heavy capture, is never read there.
    /// Arguments: the request's method and path.
    package var readsResponseBody: @Sendable (_ method: String, _ path: String) -> Bool = { _, _ in true }
    /// For a hashed upload that is one numbered part of a larger whole (a segment of a large
    /// object): the whole's key and the part's number, from 1. Parts of one key are hashed as
    /// one stream too when `uploadChains` is set.
    package var uploadPart: @Sendable (_ method: String, _ path: String) -> (whole: String, part: Int)? = { _, _ in nil }
    /// Where the parts of each whole meet, shared by all connections of one analysis.
    package var uploadChains: UploadChains?

    package init() {}

    /// The chain an upload to `path` continues, when it is a part of one.
    func uploadChain(method: String, path: String) -> UploadChain? {
        guard let chains = uploadChains, let (whole, part) = uploadPart(method, path) else { return nil }
        return chains.chain(for: whole, part: part)
    }
}
