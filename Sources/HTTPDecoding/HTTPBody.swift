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
        /// Counted only: binary, larger than the cap, or a text that nothing reads
        /// (`HTTPDecoderConfiguration.readsResponseBody`).
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
    /// JSON bodies with a secret are re-serialised from `json` (compact form).
    ///
    /// The decoder keeps a body's text as it came and masks it here, when something reads it
    /// (`SecretMask`'s scan, and a parse when the scan finds a secret's name): most bodies of an
    /// API-heavy capture are never read (issue 25). Each read masks again: read it once.
    package var text: String? {
        get {
            guard let pending = pendingMask else { return storedText }
            return HTTPBody.masked(unmaskedText, pending, wantsJSON: false).text
        }
        set {
            storedText = newValue
            storedBytes = nil
            pendingMask = nil
        }
    }
    /// The parsed JSON body, secrets masked, when the kept text is JSON.
    ///
    /// Parsed here, when something reads it, as `text` is masked; each read parses again.
    package var json: JSONDocument? {
        get {
            guard let pending = pendingMask, pending.json else { return pendingMask == nil ? parsedJSON : nil }
            return HTTPBody.masked(unmaskedText, pending, wantsJSON: true).json
        }
        set {
            parsedJSON = newValue
            if let pending = pendingMask {
                // `text` keeps what it stands for: masked now, as a reader would have seen it.
                storedText = HTTPBody.masked(unmaskedText, pending, wantsJSON: false).text
                storedBytes = nil
                pendingMask = nil
            }
        }
    }
    private var storedText: String?
    /// The body as it came, as bytes the collector found to be UTF-8 (`keepUnmasked(bytes:...)`):
    /// made a `String` only when read. Building the text of every kept body (validating it and
    /// copying it into a string of its own) was 3% of `sql` on the API capture, for bodies no
    /// report reads (an image list's).
    private var storedBytes: [UInt8]?
    private var parsedJSON: JSONDocument?
    /// When set, `storedText` (or `storedBytes`) is the body as it came, masked (and, when
    /// `json`, parsed with this depth bound) only when read.
    private var pendingMask: (depth: Int, json: Bool)?

    /// The text as it came, not masked.
    private var unmaskedText: String? {
        // Checked as UTF-8 when kept: decoding repairs nothing.
        storedBytes.map { String(decoding: $0, as: UTF8.self) } ?? storedText
    }
    /// True when `text` holds only a prefix of the body (cap reached or a gap).
    package var isTruncated: Bool = false

    package init() {}

    /// A body not yet received: what its head says of it. Inlined: called, the initialiser built
    /// the body aside and copied it out (every member retained and released again).
    @inline(__always)
    init(disposition: Disposition, contentType: String?, contentEncoding: String?) {
        self.disposition = disposition
        self.contentType = contentType
        self.contentEncoding = contentEncoding
    }

    /// Keeps `text`, the body as it came, to be masked when read (see `text`); `looksLikeJSON`:
    /// `json` parses it (with `maxDepth`).
    mutating func keepUnmasked(_ text: String, looksLikeJSON: Bool, maxDepth: Int) {
        storedText = text
        storedBytes = nil
        parsedJSON = nil
        pendingMask = (max(1, maxDepth), looksLikeJSON)
    }

    /// Drops what was kept of the text (nothing reads it): the body is counted only.
    mutating func dropKeptText() {
        storedText = nil
        storedBytes = nil
        parsedJSON = nil
        pendingMask = nil
        if disposition == .kept { disposition = .counted }
    }

    /// Keeps `bytes`, valid UTF-8 (the caller checked), as `keepUnmasked(_:looksLikeJSON:maxDepth:)`
    /// keeps a text: made a string when read.
    mutating func keepUnmasked(bytes: [UInt8], looksLikeJSON: Bool, maxDepth: Int) {
        storedText = nil
        storedBytes = bytes
        parsedJSON = nil
        pendingMask = (max(1, maxDepth), looksLikeJSON)
    }

    /// `text` with its secrets masked, and its JSON when `wantsJSON` (or when a secret made a
    /// parse necessary anyway).
    ///
    /// A body that names no secret member (nor could through an escape or non-ASCII text) stands
    /// as it came; a JSON body that does is parsed and its members masked; any other text naming
    /// one is replaced whole (`SecretMask.maskUnstructured`).
    private static func masked(_ text: String?, _ pending: (depth: Int, json: Bool),
                               wantsJSON: Bool) -> (text: String?, json: JSONDocument?) {
        guard let text else { return (nil, nil) }
        var copy = text
        let scan = copy.withUTF8 { SecretMask.secretWordScan(UnsafeRawBufferPointer($0), escapes: true) }
        if scan == .absent {
            guard wantsJSON, pending.json else { return (text, nil) }
            return (text, try? JSONDocument(parsing: text, maxDepth: pending.depth))
        }
        if pending.json, let document = try? JSONDocument(parsing: text, maxDepth: pending.depth) {
            guard SecretMask.containsSensitiveMember(document) else { return (text, document) }
            let masked = SecretMask.mask(document)
            return (masked == document ? text : masked.serialized, masked)
        }
        return (SecretMask.maskUnstructured(text) ?? text, nil)
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

    /// Without `text`, whose read masks the body again: equal bodies still hash alike.
    package func hash(into hasher: inout Hasher) {
        hasher.combine(disposition)
        hasher.combine(byteCount)
    }
}

extension HTTPBody: CustomReflectable {
    /// What the body shows when printed or dumped: its text masked, as `text` gives it. The text
    /// as it came waits in a private member until read, and must not show there (secrets never
    /// leave the program, a test's failure message included).
    package var customMirror: Mirror {
        Mirror(self, children: ["disposition": disposition, "byteCount": byteCount, "missingBytes": missingBytes,
                                "bytesNotCaptured": bytesNotCaptured, "contentType": contentType as Any,
                                "contentEncoding": contentEncoding as Any, "decodedByteCount": decodedByteCount as Any,
                                "text": text as Any, "isTruncated": isTruncated],
               displayStyle: .struct)
    }
}
