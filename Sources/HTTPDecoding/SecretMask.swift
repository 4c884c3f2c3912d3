import CLibcrypto
import Crypto

/// Replaces secrets (tokens, passwords, cookies) by a short fingerprint so that reports never show
/// them, yet two uses of one token can still be linked.
///
/// The masked form is `<masked sha256:XXXXXXXX>`: the first 8 hex digits of the SHA-256 of the
/// secret's bytes (DESIGN.md, "Secrets"). Eight digits are enough to tell tokens apart within one
/// capture and far too few to help anyone recover a token.
package enum SecretMask {
    /// Header names (lowercased) whose values are secrets. A name added here must get through
    /// the first test of `isSensitiveHeader` (its length and first letter), which a test checks.
    package static let sensitiveHeaderNames: Set<String> = [
        "x-auth-token", "x-subject-token", "x-service-token", "authorization",
        "proxy-authorization", "cookie", "set-cookie",
    ]

    /// JSON member names (lowercased) whose scalar values are secrets. Objects under these names
    /// are kept, with their own secrets masked, and their `id` masked too: Keystone's
    /// `"token": {"id": "gAAAA..."}` carries the token itself as `id`.
    package static let sensitiveJSONMembers: Set<String> = ["password", "secret", "token", "credential"]

    /// The 8-hex-digit SHA-256 fingerprint of `value`'s UTF-8 bytes.
    package static func fingerprint(of value: String) -> String {
        var copy = value
        return copy.withUTF8 { fingerprint(ofBytes: UnsafeRawBufferPointer($0)) }
    }

    /// The 8-hex-digit SHA-256 fingerprint of raw bytes.
    package static func fingerprint(ofBytes bytes: UnsafeRawBufferPointer) -> String {
        text(of: bytes, prefix: [], suffix: nil)
    }

    /// `<masked sha256:XXXXXXXX>` for `value`.
    package static func masked(_ value: String) -> String {
        var copy = value
        return copy.withUTF8 { text(of: UnsafeRawBufferPointer($0), prefix: maskedPrefix, suffix: UInt8(ascii: ">")) }
    }

    /// `prefix`, the fingerprint of `bytes`, and `suffix`, written straight into the string's
    /// storage: every request's token is masked, and pieces joined made three strings for one.
    private static func text(of bytes: UnsafeRawBufferPointer, prefix: [UInt8], suffix: UInt8?) -> String {
        // OpenSSL's SHA-256 on a context and digest on the stack: swift-crypto's hasher
        // allocated a context object per hash (and a copy of it to finalize), for every
        // request's token.
        var context = SHA256_CTX()
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { out in
            let md = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard SHA256_Init(&context) == 1, SHA256_Update(&context, bytes.baseAddress, bytes.count) == 1,
                  SHA256_Final(md, &context) == 1 else {
                // libcrypto could not be loaded (Sources/CLibcrypto): swift-crypto's SHA-256,
                // the same fingerprint.
                var hasher = SHA256()
                hasher.update(bufferPointer: bytes)
                hasher.finalize().withUnsafeBytes { out.copyMemory(from: $0) }
                return
            }
        }
        let count = prefix.count &+ 8 &+ (suffix == nil ? 0 : 1)
        return String(unsafeUninitializedCapacity: count) { out in
            var i = 0
            for byte in prefix {
                out[i] = byte
                i &+= 1
            }
            withUnsafeBytes(of: digest) { digestBytes in
                for byte in digestBytes.prefix(4) {
                    out[i] = Hex.digit(byte >> 4)
                    out[i &+ 1] = Hex.digit(byte & 0x0F)
                    i &+= 2
                }
            }
            if let suffix {
                out[i] = suffix
                i &+= 1
            }
            return i
        }
    }

    /// The fingerprint inside a masked value, or nil when `value` is not one.
    package static func fingerprint(inMasked value: String) -> String? {
        // Every call's token is read back this way: bytes compared in place (a masked value is
        // ASCII), not a Unicode prefix search.
        var value = value
        return value.withUTF8 { bytes -> String? in
            let prefix = maskedPrefix
            guard bytes.count == prefix.count &+ 9, bytes[bytes.count &- 1] == UInt8(ascii: ">") else { return nil }
            for i in 0..<prefix.count where bytes[i] != prefix[i] { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[prefix.count..<(prefix.count &+ 8)]), as: UTF8.self)
        }
    }

    private static let maskedPrefix: [UInt8] = Array("<masked sha256:".utf8)

    /// Whether a header's value must be masked.
    @inline(__always)
    package static func isSensitiveHeader(_ name: String) -> Bool {
        // Asked for every field of every message: most names are told apart by their length and
        // first letter, here, where they are asked (called, and through a table, that was a
        // quarter of building an API call's exchange); the others are compared below.
        let first: UInt8
        switch name.utf8.count {
        case 6: first = UInt8(ascii: "c")  // cookie
        case 10: first = UInt8(ascii: "s")  // set-cookie
        case 12, 15: first = UInt8(ascii: "x")  // x-auth-token; x-subject-token, x-service-token
        case 13: first = UInt8(ascii: "a")  // authorization
        case 19: first = UInt8(ascii: "p")  // proxy-authorization
        default: return false
        }
        guard let byte = name.utf8.first, ASCIICase.lowered(byte) == first else { return false }
        return isSensitiveHeaderName(name)
    }

    /// `sensitiveHeaderNames` as bytes, for the comparison below.
    private static let sensitiveHeaderBytes: [[UInt8]] = sensitiveHeaderNames.sorted().map { Array($0.utf8) }

    /// Whether `name` is one of `sensitiveHeaderNames`, compared in place, ASCII letters folded
    /// (a name is a token, so a non-ASCII byte never matches), without a lowercased copy.
    /// `isSensitiveHeader`'s first test must let every one of them through
    /// (`SecretScanTests.sensitiveHeadersAreToldByLengthFirstLetterAndBytes`).
    @inline(never)
    private static func isSensitiveHeaderName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            for word in sensitiveHeaderBytes where word.count == bytes.count {
                var i = 0
                while i < word.count, ASCIICase.lowered(bytes[i]) == word[i] { i &+= 1 }
                if i == word.count { return true }
            }
            return false
        }
    }

    /// Whether a JSON member's value must be masked.
    package static func isSensitiveMember(_ name: String) -> Bool {
        // JSON member names are nearly always lower-case ASCII already: no lowercased copy for
        // those (any other name, Unicode included, is lowercased as before).
        let lowerASCII = name.utf8.allSatisfy { $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }
        return sensitiveJSONMembers.contains(lowerASCII ? name : name.lowercased())
    }

    /// A copy of `document` with every secret member masked (see `sensitiveJSONMembers`).
    package static func mask(_ document: JSONDocument) -> JSONDocument {
        mask(document, insideSecretObject: false)
    }

    /// Whether `mask` would change anything: a member with a sensitive name somewhere (values
    /// change only at such members or inside them). A read-only walk, for the common body
    /// without secrets, which then needs neither a masked copy nor a comparison with it.
    package static func containsSensitiveMember(_ document: JSONDocument) -> Bool {
        switch document {
        case .array(let elements):
            return elements.contains { containsSensitiveMember($0) }
        case .object(let members):
            return members.contains { isSensitiveMember($0.key) || containsSensitiveMember($0.value) }
        default:
            return false
        }
    }

    private static func mask(_ value: JSONDocument, insideSecretObject: Bool) -> JSONDocument {
        switch value {
        case .array(let elements):
            return .array(elements.map { mask($0, insideSecretObject: false) })
        case .object(let members):
            return .object(members.map { member in
                let sensitive = isSensitiveMember(member.key) || (insideSecretObject && member.key == "id")
                guard sensitive else { return JSONMember(key: member.key, value: mask(member.value, insideSecretObject: false)) }
                switch member.value {
                case .string(let text): return JSONMember(key: member.key, value: .string(masked(text)))
                case .number(let text): return JSONMember(key: member.key, value: .string(masked(text)))
                case .object: return JSONMember(key: member.key, value: mask(member.value, insideSecretObject: true))
                case .array(let items):
                    // A list of secrets (e.g. several credentials): mask each scalar, recurse into objects.
                    return JSONMember(key: member.key, value: .array(items.map { item in
                        switch item {
                        case .string(let text), .number(let text): return .string(masked(text))
                        default: return mask(item, insideSecretObject: true)
                        }
                    }))
                case .null, .bool: return member
                }
            })
        default:
            return value
        }
    }

    /// Masks a kept body that is not JSON (or not valid JSON): when it mentions any secret member
    /// name, the whole text is replaced, because without structure we cannot tell where the
    /// secret ends. Returns nil when the text needs no masking.
    static func maskUnstructured(_ text: String) -> String? {
        var copy = text
        switch copy.withUTF8({ secretWordScan(UnsafeRawBufferPointer($0), escapes: false) }) {
        case .found: return masked(text)
        case .absent: return nil
        case .uncertain:
            // Non-ASCII text and no word in its ASCII letters: Unicode lowercasing may still make
            // one (the Kelvin sign lowercases to `k`).
            let lower = text.lowercased()
            return sensitiveJSONMembers.contains { lower.contains($0) } ? masked(text) : nil
        }
    }
}

/// Lowercase hexadecimal rendering of bytes.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The lowercase hex digit of `nibble` (0...15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble }

    static func string<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount &* 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
