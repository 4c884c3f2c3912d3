import Crypto

/// Receives one message's body bytes as they arrive and keeps, decompresses or hashes them.
///
/// Never holds more than the kept-body cap: binary and oversized bodies are only counted, and
/// uploads go through MD5 and SHA-512 without being buffered.
struct HTTPBodyCollector {
    private(set) var body = HTTPBody()
    private var keeping = false
    private var kept: [UInt8] = []
    private let keepLimit: Int
    private var inflater: Inflater?
    private var inflateOverflow = 0
    private var decodeFailure: String?
    private var hasher: UploadHasher?
    /// What the collector could not do with the body, each with the anomaly kind it reports as.
    private(set) var notes: [(kind: HTTPAnomaly.Kind, message: String)] = []
    /// When the body is one part of a chain: the digests of the whole up to this part.
    private(set) var joinedDigests: UploadDigests?
    /// Nothing reads this body's text (`HTTPDecoderConfiguration.readsResponseBody`): its bytes
    /// are passed over while they are ASCII, not copied, and the body ends counted only, with
    /// every note keeping it would have made (its size, the cap, whether it is UTF-8).
    private var dropsText = false
    /// ASCII bytes passed over as if kept (while `dropsText`, up to the first other byte).
    private var passedOver = 0

    /// Text-like content types; a body without a type is kept and checked for UTF-8 at the end.
    static func isTextual(_ contentType: String?) -> Bool {
        guard var contentType else { return true }
        // OpenStack's APIs all answer so, in these very bytes (and the repeated value is often
        // this very string, `HTTPRepeatedFieldValues`): two words compared.
        if contentType == "application/json" { return true }
        // Every body asks: ASCII types (all of them, in practice) are read in place, without a
        // lowercased copy, a split or Foundation's substring search.
        let ascii = contentType.withUTF8 { bytes -> Bool? in
            bytes.contains { $0 >= 0x80 } ? nil : isTextualASCII(UnsafeRawBufferPointer(bytes))
        }
        return ascii ?? isTextualUnicode(contentType)
    }

    /// `isTextualUnicode` for ASCII text: the first non-empty `;` piece, spaces and tabs trimmed,
    /// compared with ASCII letters lowercased.
    private static func isTextualASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var start = 0, end = bytes.count, pieceStart = 0, found = false
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: ";") {
            if i > pieceStart {
                (start, end, found) = (pieceStart, i, true)
                break
            }
            pieceStart = i &+ 1
        }
        if found {
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start &+= 1 }
            while end > start, bytes[end &- 1] == 0x20 || bytes[end &- 1] == 0x09 { end &-= 1 }
        }
        let mime = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        func matches(_ word: StaticString, at offset: Int) -> Bool {
            let count = word.utf8CodeUnitCount
            guard offset >= 0, mime.count &- offset >= count else { return false }
            for k in 0..<count where ASCIICase.lowered(mime[offset &+ k]) != word.utf8Start[k] { return false }
            return true
        }
        // OpenStack's APIs all answer so: one comparison, before the search for "json".
        if mime.count == 16 && matches("application/json", at: 0) { return true }
        if matches("text/", at: 0) || matches("xml", at: mime.count &- 3) { return true }
        if mime.count == 33 && matches("application/x-www-form-urlencoded", at: 0) { return true }
        if mime.count == 22 && matches("application/javascript", at: 0) { return true }
        guard mime.count >= 4 else { return false }
        for offset in 0...(mime.count &- 4) where matches("json", at: offset) { return true }
        return false
    }

    static func isTextualUnicode(_ contentType: String) -> Bool {
        let type = contentType.lowercased()
        let mime = type.split(separator: ";").first.map { $0.trimmingSpaces } ?? type
        return mime.hasPrefix("text/") || mime.hasSuffix("json") || mime.hasSuffix("+json") || mime.contains("json")
            || mime.hasSuffix("xml") || mime == "application/x-www-form-urlencoded" || mime == "application/javascript"
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        body.byteCount &+= bytes.count
        hasher?.update(bytes)
        guard keeping else { return }
        if let inflater {
            switch inflater.inflate(bytes, into: &kept, limit: keepLimit, overflow: &inflateOverflow) {
            case .ok, .finished: break
            case .failed(let reason):
                decodeFailure = reason
                keeping = false
            }
        } else if dropsText {
            passOver(bytes)
        } else {
            let room = keepLimit - kept.count
            if bytes.count <= room {
                kept.append(contentsOf: bytes)
            } else {
                if room > 0 { kept.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<room])) }
                body.isTruncated = true
            }
        }
    }

    /// `append` for a text nothing reads: as many bytes are taken as keeping would take, and
    /// ASCII ones are only counted. From the first other byte on they are kept, to be checked as
    /// UTF-8 in `fillText`: the ASCII before it is UTF-8 whatever follows, so the rest alone
    /// decides, as the whole would.
    private mutating func passOver(_ bytes: UnsafeRawBufferPointer) {
        let room = keepLimit &- passedOver &- kept.count
        if bytes.count > room { body.isTruncated = true }
        let taken = UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, max(0, room))])
        guard kept.isEmpty else { return kept.append(contentsOf: taken) }
        var ascii = taken.count
        if !HTTPBodyCollector.isASCII(taken) {
            ascii = 0
            while taken[ascii] < 0x80 { ascii &+= 1 }
            kept.append(contentsOf: UnsafeRawBufferPointer(rebasing: taken[ascii...]))
        }
        passedOver &+= ascii
    }

    /// Body bytes received where the chunk framing was lost: only counted (a gap came first, so
    /// nothing is kept or hashed any more).
    mutating func countUnframed(_ count: Int) {
        body.byteCount &+= count
    }

    /// Bytes the snap length cut: on the wire but unknown, so hashes are void and kept text stops
    /// there, as at a loss; counted apart from lost bytes.
    mutating func notCaptured(_ count: Int) {
        body.bytesNotCaptured &+= count
        voidContent()
    }

    /// Hashes cannot be verified and kept text stops: bytes of the body are not known (a head
    /// cut by the snap length hides even where the body begins).
    mutating func voidContent() {
        hasher = nil
        if keeping {
            keeping = false
            // A prefix is kept only when there is one (a cut head keeps nothing of the body).
            if !kept.isEmpty || passedOver > 0 { body.isTruncated = true }
        }
    }

    /// Bytes lost inside the body: hashes are void, kept text stops at the hole.
    mutating func miss(_ count: Int) {
        body.missingBytes &+= count
        hasher = nil
        if keeping {
            keeping = false
            body.isTruncated = true
        }
    }

    /// Finishes the body: decodes kept bytes to text, parses and masks JSON.
    /// Returns the body and the upload digests (still being computed) when hashing ran over an
    /// intact body.
    mutating func finish(maxJSONDepth: Int) -> (body: HTTPBody, digests: UploadDigests?) {
        var digests: UploadDigests?
        if let hasher, body.missingBytes == 0 {
            digests = hasher.finish()
            joinedDigests = hasher.joinedDigests
        }
        hasher = nil
        if let decodeFailure {
            notes.append((.decompressionFailed, "Content-Encoding \(body.contentEncoding ?? "") could not be decoded: \(decodeFailure)"))
        }
        if inflateOverflow > 0 { body.isTruncated = true }
        if body.byteCount == 0 && body.missingBytes == 0 && body.bytesNotCaptured == 0 {
            body.disposition = .none
            body.isTruncated = false
        }
        if body.disposition == .kept {
            if inflater != nil { body.decodedByteCount = kept.count &+ inflateOverflow }
            if body.isTruncated, body.byteCount > 0 {
                notes.append((.bodyNotKept, "kept text is a prefix of the body"))
            }
            fillText(maxJSONDepth: maxJSONDepth)
            if dropsText { body.dropKeptText() }
        }
        kept = []
        inflater = nil
        // Moved out, not copied (every string of the body retained and released again): a
        // finished collector is not read again.
        var finished = HTTPBody()
        swap(&finished, &body)
        return (finished, digests)
    }

    private mutating func fillText(maxJSONDepth: Int) {
        guard !kept.isEmpty else { return }
        // ASCII (nearly every API body) is UTF-8 as it stands: the bytes are kept and become a
        // string only if something reads them. Other bytes are validated by making the string.
        let ascii = kept.withUnsafeBytes { HTTPBodyCollector.isASCII($0) }
        let text = ascii ? nil : String(validating: kept, as: UTF8.self)
        guard ascii || text != nil else {
            body.disposition = .counted
            notes.append((.bodyNotKept, "body is not UTF-8 text; counted only"))
            return
        }
        let looksLikeJSON = !body.isTruncated
            && kept.first(where: { $0 > 0x20 }).map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } == true
        // Masked (and parsed) when read: the timeline reads few bodies (see `HTTPBody.text`).
        if let text {
            body.keepUnmasked(text, looksLikeJSON: looksLikeJSON, maxDepth: maxJSONDepth)
        } else {
            var bytes: [UInt8] = []
            swap(&bytes, &kept)
            body.keepUnmasked(bytes: bytes, looksLikeJSON: looksLikeJSON, maxDepth: maxJSONDepth)
        }
    }

    /// No byte of `bytes` has its high bit set: thirty-two bytes a step, then eight.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        var seen: UInt64 = 0
        while i &+ 32 <= count {
            seen |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self) | base.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
                | base.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self) | base.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)
            i &+= 32
        }
        while i &+ 8 <= count {
            seen |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        while i < count {
            seen |= UInt64(base.load(fromByteOffset: i, as: UInt8.self))
            i &+= 1
        }
        return seen & 0x8080_8080_8080_8080 == 0
    }
}

extension HTTPBodyCollector {
    /// The fields of a head that decide what is done with its body (the first of each, as
    /// `value(for:)` reads them), found in one pass; `transferEncoding`: whether there is one.
    struct BodyFields {
        var contentType: String?, contentEncoding: String?, contentLength: String?
        var transferEncoding = false

        init(_ headers: [HTTPHeader]) {
            var found = (type: false, encoding: false, length: false)
            for header in headers {
                switch header.name.utf8.count {
                case 12 where !found.type && HTTPHeader.sameName(header.name, "Content-Type"):
                    contentType = header.value
                    found.type = true
                case 14 where !found.length && HTTPHeader.sameName(header.name, "Content-Length"):
                    contentLength = header.value
                    found.length = true
                case 16 where !found.encoding && HTTPHeader.sameName(header.name, "Content-Encoding"):
                    contentEncoding = header.value
                    found.encoding = true
                case 17 where HTTPHeader.sameName(header.name, "Transfer-Encoding"):
                    transferEncoding = true
                default:
                    break
                }
            }
        }

        /// Whether a request with these fields needs no collector: neither `Content-Length` nor
        /// `Transfer-Encoding`, so no body (RFC 9112 6.3), and no `Content-Type` or
        /// `Content-Encoding`, so the body a collector would finish with is `HTTPBody()` and it makes
        /// no note. Nearly every API call is such a GET: a collector made, moved and finished for each
        /// was 2.8% of `sql`'s instructions on the API capture (issue 25).
        var needNoRequestCollector: Bool {
            framesNoRequestBody && contentType == nil && contentEncoding == nil
        }

        /// Neither field that frames a request's body: the request has none (RFC 9112 6.3).
        var framesNoRequestBody: Bool { contentLength == nil && !transferEncoding }
    }

    /// Chooses what to do with the body from the fields of its head; `chain` is the whole a
    /// hashed body is a part of; `readsText`: false when nothing reads the body's text (it is
    /// then not kept, see `dropsText`).
    init(fields: BodyFields, hashes: Bool, chain: UploadChain? = nil, keepLimit: Int, readsText: Bool = true) {
        // Decided into locals and made by the memberwise initialiser in one expression: set
        // member by member, the collector was built aside and copied into `self` (twice a call).
        let limit = max(0, keepLimit)
        var disposition = HTTPBody.Disposition.none
        var notes: [(kind: HTTPAnomaly.Kind, message: String)] = []
        var keeping = false
        var inflater: Inflater?
        var hasher: UploadHasher?
        let contentType = fields.contentType, contentEncoding = fields.contentEncoding
        decide: do {
            if hashes {
                hasher = UploadHasher(chain: chain)
                disposition = .hashed
                break decide
            }
            guard HTTPBodyCollector.isTextual(contentType) else {
                disposition = .counted
                break decide
            }
            switch contentEncoding?.lowercased() {
            case nil, "identity":
                // A body announced larger than the cap is never buffered at all.
                if let length = fields.contentLength.flatMap(HTTPStreamParser.decimal), length > limit {
                    disposition = .counted
                    notes.append((.bodyNotKept, "body of \(length) bytes exceeds the \(limit)-byte cap; counted only"))
                    break decide
                }
            case "gzip", "x-gzip":
                inflater = Inflater(encoding: .gzip)
            case "deflate":
                inflater = Inflater(encoding: .deflate)
            default:
                disposition = .counted
                notes.append((.bodyNotKept, "Content-Encoding \(contentEncoding ?? "") not decoded; counted only"))
                break decide
            }
            keeping = true
            disposition = .kept
        }
        // The body made from locals in one expression. Filled in member by member, it was also
        // built aside; the optimiser still copies it into the collector once (`callgrind`).
        self.init(body: HTTPBody(disposition: disposition, contentType: contentType, contentEncoding: contentEncoding),
                  keeping: keeping, keepLimit: limit, inflater: inflater, hasher: hasher, notes: notes,
                  dropsText: keeping && inflater == nil && !readsText)
    }
}
