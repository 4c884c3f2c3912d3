/// A parsed JSON value, kept losslessly enough to re-serialise a body.
///
/// Numbers keep their source text: image sizes are 64-bit and must not pass through `Double`.
/// Objects keep member order and duplicates, as they were on the wire.
package indirect enum JSONDocument: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONDocument])
    case object([JSONMember])

    /// Parses UTF-8 JSON text. Throws `JSONParseError` for invalid input or nesting deeper than
    /// `maxDepth`; never traps.
    package init(parsing bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        self = try parser.parseDocument()
    }

    /// Parses JSON text from a string.
    package init(parsing text: String, maxDepth: Int = 64) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8), maxDepth: maxDepth)
    }

    /// The value of the first member named `key`, when this is an object.
    package subscript(key: String) -> JSONDocument? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// The element at `index`, when this is an array and the index is in range.
    package subscript(index: Int) -> JSONDocument? {
        guard case .array(let elements) = self, index >= 0, index < elements.count else { return nil }
        return elements[index]
    }

    /// Follows a path of member names, e.g. `["token", "expires_at"]`.
    package func value(at path: [String]) -> JSONDocument? {
        var current: JSONDocument? = self
        for key in path { current = current?[key] }
        return current
    }

    /// The string, when this is a string.
    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number as a 64-bit integer, when this is an integral number that fits.
    package var intValue: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    /// The Boolean, when this is `true` or `false`.
    package var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    package var arrayValue: [JSONDocument]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members, when this is an object.
    package var members: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// True for `null`.
    package var isNull: Bool { self == .null }

    /// A scalar rendered as text (string as-is, number as written, `true`/`false`); nil for
    /// null, arrays and objects.
    package var scalarText: String? {
        switch self {
        case .string(let text), .number(let text): return text
        case .bool(let value): return value ? "true" : "false"
        default: return nil
        }
    }

    /// Compact JSON text (no insignificant whitespace).
    package var serialized: String {
        var out = ""
        serialize(into: &out)
        return out
    }

    private func serialize(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): JSONDocument.quote(text, into: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += ", " }
                element.serialize(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += ", " }
                JSONDocument.quote(member.key, into: &out)
                out += ": "
                member.value.serialize(into: &out)
            }
            out += "}"
        }
    }

    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// One `"key": value` member of a JSON object.
package struct JSONMember: Sendable, Hashable {
    package var key: String
    package var value: JSONDocument
    package init(key: String, value: JSONDocument) {
        self.key = key
        self.value = value
    }
}

/// Why JSON text could not be parsed, and where.
package struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset in the input.
    package var offset: Int
    package var reason: String
    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
    package var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
