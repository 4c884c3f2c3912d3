/// Fields as the members of an OTLP/JSON object (the protobuf JSON mapping with OTLP's
/// exceptions: enums as integers, trace and span ids as hex), written as swift-protobuf wrote
/// them so that outputs stay byte for byte what they were: no whitespace, members in field-number
/// order, 64-bit integers as decimal strings, 32-bit ones as numbers.
struct OTLPJSONWriter: OTLPFieldWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the object being written has no member yet.
    private var empty = true

    /// `value` as a JSON object.
    mutating func object(_ value: some OTLPMessage) {
        bytes.append(UInt8(ascii: "{"))
        let outer = empty
        empty = true
        value.write(to: &self)
        empty = outer
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func member(_ name: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    private mutating func quoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func string(_ number: Int, _ name: StaticString, _ value: String) {
        member(name)
        bytes.append(UInt8(ascii: "\""))
        JSONString.appendEscaped(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func bool(_ number: Int, _ name: StaticString, _ value: Bool) {
        member(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func int64(_ number: Int, _ name: StaticString, _ value: Int64) {
        member(name)
        quoted(String(value))
    }

    mutating func enumeration(_ number: Int, _ name: StaticString, _ value: Int32) {
        member(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func fixed32(_ number: Int, _ name: StaticString, _ value: UInt32) {
        member(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func fixed64(_ number: Int, _ name: StaticString, _ value: UInt64) {
        member(name)
        quoted(String(value))
    }

    mutating func identifier(_ number: Int, _ name: StaticString, _ value: [UInt8]) {
        member(name)
        bytes.append(UInt8(ascii: "\""))
        for byte in value {
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func message(_ number: Int, _ name: StaticString, _ value: some OTLPMessage) {
        member(name)
        object(value)
    }

    mutating func messages<Element: OTLPMessage>(_ number: Int, _ name: StaticString, _ values: [Element]) {
        member(name)
        bytes.append(UInt8(ascii: "["))
        for (position, value) in values.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            object(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// JSON string escaping as swift-protobuf's encoder does it: the two-character escapes for
/// backspace, tab, newline, form feed, carriage return, quote and backslash; `\u00XX` (upper-case
/// hex) for the other C0 controls and for U+007F...U+009F; everything else as UTF-8.
enum JSONString {
    static func appendEscaped(_ text: String, to bytes: inout [UInt8]) {
        // U+0080...U+009F are 0xC2 0x80...0x9F in UTF-8: a 0xC2 waits for the byte after it.
        var afterC2 = false
        for byte in text.utf8 {
            if afterC2 {
                afterC2 = false
                if byte <= 0x9F {
                    escapeAsHex(byte, to: &bytes)
                    continue
                }
                bytes.append(0xC2)
            }
            switch byte {
            case 8: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 9: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 10: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 12: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 13: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 34: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case 92: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0...31, 127: escapeAsHex(byte, to: &bytes)
            case 0xC2: afterC2 = true
            default: bytes.append(byte)
            }
        }
    }

    private static func escapeAsHex(_ value: UInt8, to bytes: inout [UInt8]) {
        bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                  upperHexDigits[Int(value >> 4)], upperHexDigits[Int(value & 0xF)]]
    }

    private static let upperHexDigits = Array("0123456789ABCDEF".utf8)
}
