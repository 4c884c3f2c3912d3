/// A message body as far as the decoder kept it.
///
/// Text and JSON bodies are kept (decompressed, secrets masked) up to
/// `HTTPDecoderConfiguration.maxKeptBodyBytes`; others are only counted, or hashed for uploads.
package struct HTTPBody: Sendable, Hashable {
    /// What the decoder did with the body's bytes.
    package enum Disposition: String, Sendable, Hashable {
        /// No body (none announced, or none allowed: HEAD, 204, 304, 1xx).
        case none
        /// Kept as text (see `text`).
        case kept
        /// Counted only: binary, or larger than the cap.
        case counted
        /// Streamed through MD5 and SHA-512 (an image upload).
        case hashed
    }

    package var disposition: Disposition = .none
    /// Body bytes received after transfer decoding (chunk framing removed), before content decoding.
    package var byteCount: Int = 0
    /// Body bytes the capture lacks (gaps inside the body).
    package var missingBytes: Int = 0
    /// Body bytes cut by the snap length: on the wire, not in the capture; not in `byteCount`
    /// nor in `missingBytes`.
    package var bytesNotCaptured: Int = 0
    /// The `Content-Type` value, if any.
    package var contentType: String?
    /// The `Content-Encoding` value, if any (`gzip`, `deflate`).
    package var contentEncoding: String?
    /// Bytes after content decoding, when the body was kept and decoded.
    package var decodedByteCount: Int?
    /// The body as UTF-8 text, secrets masked; nil unless kept and valid UTF-8.
    /// JSON bodies are re-serialised from `json` (compact form).
    package var text: String?
    /// The parsed JSON body, secrets masked, when the kept text is JSON.
    ///
    /// A body the secret scan cleared (`SecretMask.mayContainSensitiveMember`) is parsed only
    /// here, when something reads it: most bodies of an API-heavy capture are never read (issue 25).
    /// Each read of such a body parses it again: read it once.
    package var json: JSONDocument? {
        get {
            guard unparsedJSONDepth > 0 else { return parsedJSON }
            guard let text else { return nil }
            return try? JSONDocument(parsing: text, maxDepth: unparsedJSONDepth)
        }
        set {
            parsedJSON = newValue
            unparsedJSONDepth = 0
        }
    }
    private var parsedJSON: JSONDocument?
    /// When above zero, `text` is an unmasked body that may be JSON, parsed by `json` on demand
    /// with this depth bound.
    private var unparsedJSONDepth = 0
    /// True when `text` holds only a prefix of the body (cap reached or a gap).
    package var isTruncated: Bool = false

    package init() {}

    /// Keeps `text` (a body that needs no masking) as the JSON text that `json` parses when read.
    mutating func deferJSON(maxDepth: Int) {
        parsedJSON = nil
        unparsedJSONDepth = max(1, maxDepth)
    }

    /// True when there was no body on the wire.
    package var isEmpty: Bool { byteCount == 0 && missingBytes == 0 && bytesNotCaptured == 0 }

    /// Equal bodies have equal `text`, so equal JSON whether it was parsed yet or not: the
    /// deferred-parse storage takes no part in equality.
    package static func == (a: HTTPBody, b: HTTPBody) -> Bool {
        a.disposition == b.disposition && a.byteCount == b.byteCount && a.missingBytes == b.missingBytes
            && a.bytesNotCaptured == b.bytesNotCaptured && a.contentType == b.contentType
            && a.contentEncoding == b.contentEncoding && a.decodedByteCount == b.decodedByteCount
            && a.text == b.text && a.isTruncated == b.isTruncated
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(disposition)
        hasher.combine(byteCount)
        hasher.combine(text)
    }
}
