import HTTPDecoding

/// osprofiler's `X-Trace-Info` header: base64 (URL-safe) of a JSON object with the trace's
/// `base_id` and the calling span's `parent_id`; lets calls of one trace be grouped.
package struct OpenStackTraceInfo: Sendable, Hashable {
    /// `base_id`: the trace, shared by every call of one operation.
    package var baseID: String?
    /// `parent_id`: the span that made this call.
    package var parentID: String?
    /// Every scalar member of the decoded JSON, as text.
    package var fields: [String: String]

    /// Trace info from its parts.
    package init(baseID: String?, parentID: String?, fields: [String: String] = [:]) {
        self.baseID = baseID
        self.parentID = parentID
        self.fields = fields
    }

    /// Decodes the header value; nil when it is not base64 of a JSON object.
    package init?(header: String) {
        guard let bytes = OpenStackTraceInfo.base64Decoded(header),
              let json = try? JSONDocument(parsing: bytes, maxDepth: 8), let members = json.members else { return nil }
        var fields: [String: String] = [:]
        for member in members {
            // The HMAC key, should a profiler send it, is a secret like any other.
            if let text = member.value.scalarText {
                fields[member.key] = SecretMask.isSensitiveMember(member.key) || member.key.lowercased().contains("hmac")
                    ? SecretMask.masked(text) : text
            }
        }
        self.init(baseID: json["base_id"]?.stringValue, parentID: json["parent_id"]?.stringValue, fields: fields)
    }

    /// Standard or URL-safe base64, padding optional.
    static func base64Decoded(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            default: return nil
            }
            accumulator = (accumulator << 6 | value) & 0xFFFFFF
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out.isEmpty ? nil : out
    }
}
