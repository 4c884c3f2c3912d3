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
    private(set) var notes: [String] = []
    /// When the body is one part of a chain: the digests of the whole up to this part.
    private(set) var joinedDigests: UploadDigests?

    /// Chooses what to do with the body from the head; `chain` is the whole a hashed body is a part of.
    init(headers: [HTTPHeader], hashes: Bool, chain: UploadChain? = nil, keepLimit: Int) {
        self.keepLimit = max(0, keepLimit)
        body.contentType = headers.value(for: "Content-Type")
        body.contentEncoding = headers.value(for: "Content-Encoding")
        if hashes {
            hasher = UploadHasher(chain: chain)
            body.disposition = .hashed
            return
        }
        guard HTTPBodyCollector.isTextual(body.contentType) else {
            body.disposition = .counted
            return
        }
        switch body.contentEncoding?.lowercased() {
        case nil, "identity":
            // A body announced larger than the cap is never buffered at all.
            if let length = headers.value(for: "Content-Length").flatMap(HTTPStreamParser.decimal), length > self.keepLimit {
                body.disposition = .counted
                notes.append("body of \(length) bytes exceeds the \(self.keepLimit)-byte cap; counted only")
                return
            }
        case "gzip", "x-gzip":
            inflater = Inflater(encoding: .gzip)
        case "deflate":
            inflater = Inflater(encoding: .deflate)
        default:
            body.disposition = .counted
            notes.append("Content-Encoding \(body.contentEncoding ?? "") not decoded; counted only")
            return
        }
        keeping = true
        body.disposition = .kept
    }

    /// Text-like content types; a body without a type is kept and checked for UTF-8 at the end.
    static func isTextual(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return true }
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
            if !kept.isEmpty { body.isTruncated = true }
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
            notes.append("Content-Encoding \(body.contentEncoding ?? "") could not be decoded: \(decodeFailure)")
        }
        if inflateOverflow > 0 { body.isTruncated = true }
        if body.byteCount == 0 && body.missingBytes == 0 && body.bytesNotCaptured == 0 {
            body.disposition = .none
            body.isTruncated = false
        }
        if body.disposition == .kept {
            if inflater != nil { body.decodedByteCount = kept.count &+ inflateOverflow }
            if body.isTruncated, body.byteCount > 0 {
                notes.append("kept text is a prefix of the body")
            }
            fillText(maxJSONDepth: maxJSONDepth)
        }
        kept = []
        inflater = nil
        return (body, digests)
    }

    private mutating func fillText(maxJSONDepth: Int) {
        guard !kept.isEmpty else { return }
        guard let text = String(validating: kept, as: UTF8.self) else {
            body.disposition = .counted
            notes.append("body is not UTF-8 text; counted only")
            return
        }
        let looksLikeJSON = !body.isTruncated
            && kept.first(where: { $0 > 0x20 }).map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } == true
        // A body that names no secret member (nor could through an escape or non-ASCII text)
        // needs no mask: its text stands as it came, and its JSON is parsed only if read.
        guard kept.withUnsafeBytes({ SecretMask.mayContainSensitiveMember($0) }) else {
            body.text = text
            if looksLikeJSON { body.deferJSON(maxDepth: maxJSONDepth) }
            return
        }
        if looksLikeJSON, let document = try? JSONDocument(parsing: kept, maxDepth: maxJSONDepth) {
            guard SecretMask.containsSensitiveMember(document) else {
                body.json = document
                body.text = text
                return
            }
            let masked = SecretMask.mask(document)
            body.json = masked
            body.text = masked == document ? text : masked.serialized
            return
        }
        body.text = SecretMask.maskUnstructured(text) ?? text
    }
}
