/// One header field as it appeared on the wire, with secret values already masked.
package struct HTTPHeader: Sendable, Hashable {
    /// The field name with its original spelling.
    package var name: String
    /// The field value, trimmed of surrounding whitespace; `<masked sha256:XXXXXXXX>` for secrets.
    package var value: String

    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// True when the value is a masked secret.
    package var isMasked: Bool { SecretMask.fingerprint(inMasked: value) != nil }
}

extension Array where Element == HTTPHeader {
    /// The first value of the field `name` (case-insensitive).
    package func value(for name: String) -> String? {
        for header in self where HTTPHeader.sameName(header.name, name) { return header.value }
        return nil
    }

    /// Every value of the field `name` (case-insensitive), in order.
    package func values(for name: String) -> [String] {
        filter { HTTPHeader.sameName($0.name, name) }.map(\.value)
    }

    /// The secret fingerprint (8 hex digits) of a masked field, e.g. `X-Auth-Token`.
    package func fingerprint(for name: String) -> String? {
        value(for: name).flatMap(SecretMask.fingerprint(inMasked:))
    }
}

extension HTTPHeader {
    /// Field names compared ASCII case-insensitively without building lowercased copies
    /// (looked up several times for every exchange).
    @inline(__always)
    package static func sameName(_ a: String, _ b: String) -> Bool {
        // A name read from the wire in its usual spelling is the very string the code asks for
        // (`HTTPHead.commonNames`, or a small string of the same bytes): the same two words,
        // compared where the caller is (`value(for:)` asks it of every field, nine times a call).
        if MemoryLayout<String>.size == 16,
           unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self) { return true }
        return sameSpelling(a, b)
    }

    /// `sameName` past its first test.
    @inline(never)
    static func sameSpelling(_ a: String, _ b: String) -> Bool {
        // Most names compared differ in length, which a native string knows without a scan.
        let count = a.utf8.count
        guard count == b.utf8.count else { return false }
        // Over contiguous bytes (native and small strings have them): two iterators cost a
        // fifth of the head's parse on an API-heavy capture.
        let compared = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                var k = 0
                while k < count {
                    if x[k] != y[k], ASCIICase.lowered(x[k]) != ASCIICase.lowered(y[k]) { return false }
                    k &+= 1
                }
                return true
            }
        }
        if let compared, let result = compared { return result }
        return a.utf8.elementsEqual(b.utf8) { ASCIICase.lowered($0) == ASCIICase.lowered($1) }
    }
}

/// ASCII case folding for protocol tokens (header names, media types): HTTP compares them
/// case-insensitively over ASCII letters only, so no Unicode lowercasing (or String) is needed.
package enum ASCIICase {
    /// `byte` with an ASCII capital letter lowered; every other byte as it is.
    @inline(__always)
    package static func lowered(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// Whether `bytes` start with `lowercasePrefix` (given in lowercase), ignoring ASCII case.
    package static func hasPrefix(_ bytes: some Collection<UInt8>, lowercased lowercasePrefix: [UInt8]) -> Bool {
        bytes.count >= lowercasePrefix.count && zip(bytes, lowercasePrefix).allSatisfy { lowered($0) == $1 }
    }
}
