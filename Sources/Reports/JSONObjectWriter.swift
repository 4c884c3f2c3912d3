import Timeline

/// Writes one JSON object's members straight into UTF-8 bytes, in `JSONValue.serialized`'s
/// layout (two-space indentation, or compact when `indent` is nil): for the elements of the
/// `http` and `sql` arrays, a hundred thousand or more, which as `JSONValue` trees cost more
/// to build and walk than to write.
struct JSONObjectWriter {
    /// The depth of the object itself; nil: compact.
    let indent: Int?
    private var members = 0

    /// Starts the object (its `{`).
    init(indent: Int?, _ out: inout [UInt8]) {
        self.indent = indent
        out.append(UInt8(ascii: "{"))
    }

    /// The depth of a member's value.
    var inner: Int? { indent.map { $0 + 1 } }

    /// Starts a member: the separator, the line break and `"key": `.
    mutating func key(_ key: StaticString, _ out: inout [UInt8]) {
        if members > 0 { out.append(UInt8(ascii: ",")) }
        members &+= 1
        JSONValue.newline(&out, inner)
        out.append(UInt8(ascii: "\""))
        out.append(key)
        out.append(indent == nil ? "\":" : "\": ")
    }

    /// Ends the object (its `}`).
    func end(_ out: inout [UInt8]) {
        if members == 0 { out.append(UInt8(ascii: "}")); return }
        JSONValue.newline(&out, indent)
        out.append(UInt8(ascii: "}"))
    }

    mutating func string(_ name: StaticString, _ value: String?, _ out: inout [UInt8]) {
        key(name, &out)
        if let value { JSONValue.writeString(value, to: &out) } else { out.append("null") }
    }

    mutating func string(_ name: StaticString, _ value: StoredText?, _ out: inout [UInt8]) {
        key(name, &out)
        if let value { JSONValue.writeString(value, to: &out) } else { out.append("null") }
    }

    /// `count` strings that `forEach` hands out in order.
    mutating func strings(_ name: StaticString, _ count: Int, _ out: inout [UInt8], _ forEach: ((StoredText) -> Void) -> Void) {
        key(name, &out)
        if count == 0 { out.append("[]"); return }
        out.append(UInt8(ascii: "["))
        let depth = inner.map { $0 + 1 }
        var first = true
        forEach { text in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONValue.newline(&out, depth)
            JSONValue.writeString(text, to: &out)
        }
        JSONValue.newline(&out, inner)
        out.append(UInt8(ascii: "]"))
    }

    mutating func int(_ name: StaticString, _ value: Int?, _ out: inout [UInt8]) {
        key(name, &out)
        if let value { out.append(decimal: value) } else { out.append("null") }
    }

    mutating func bool(_ name: StaticString, _ value: Bool, _ out: inout [UInt8]) {
        key(name, &out)
        out.append(value ? "true" : "false")
    }

    mutating func double(_ name: StaticString, _ value: Double, _ out: inout [UInt8]) {
        key(name, &out)
        JSONValue.append(number: value, to: &out)
    }

    mutating func ints(_ name: StaticString, _ values: [Int], _ out: inout [UInt8]) {
        key(name, &out)
        array(values.count, &out) { $1.append(decimal: values[$0]) }
    }

    mutating func strings(_ name: StaticString, _ values: [String], _ out: inout [UInt8]) {
        key(name, &out)
        array(values.count, &out) { JSONValue.writeString(values[$0], to: &$1) }
    }

    /// An array of `count` scalar values written by `element`, as the member's value.
    private func array(_ count: Int, _ out: inout [UInt8], _ element: (Int, inout [UInt8]) -> Void) {
        if count == 0 { out.append("[]"); return }
        out.append(UInt8(ascii: "["))
        let depth = inner.map { $0 + 1 }
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.newline(&out, depth)
            element(i, &out)
        }
        JSONValue.newline(&out, inner)
        out.append(UInt8(ascii: "]"))
    }
}
