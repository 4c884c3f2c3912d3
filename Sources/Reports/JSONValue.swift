/// A JSON document with object members kept in the order written, so reports follow
/// DESIGN.md's field order and golden files stay stable.
package indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// An array whose elements are made one at a time while it is written, so a report of a
    /// hundred thousand SQL statements never holds them all as JSON values at once.
    case lazyArray(LazyJSONArray)

    package static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.lazyArray(x), .lazyArray(y)):
            return x.count == y.count && (0..<x.count).allSatisfy { x.element($0) == y.element($0) }
        case let (.lazyArray(x), .array(y)), let (.array(y), .lazyArray(x)):
            return x.count == y.count && (0..<x.count).allSatisfy { x.element($0) == y[$0] }
        default: return false
        }
    }

    package static func int(_ value: Int) -> JSONValue { .int(Int64(value)) }
    package static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    package static func optional(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
    package static func optional(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
    package static func optional(_ value: Bool?) -> JSONValue { value.map { .bool($0) } ?? .null }

    /// Serialises with two-space indentation (or compact for NDJSON).
    ///
    /// `<`, `>` and `&` are written as `\u003c`, `\u003e`, `\u0026`, so the text can be
    /// embedded in an HTML `<script>` block without a capture ever closing it.
    package func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(to: &out, indent: pretty ? 0 : nil, flush: nil)
        return out
    }

    /// Serialises in pieces of about a megabyte handed to `chunk`, for output of any size.
    package func serialize(pretty: Bool = true, chunk: (String) -> Void) {
        var out = ""
        withoutActuallyEscaping(chunk) { chunk in
            write(to: &out, indent: pretty ? 0 : nil, flush: chunk)
        }
        if !out.isEmpty { chunk(out) }
    }

    private func write(to out: inout String, indent: Int?, flush: ((String) -> Void)?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                if d == d.rounded(), abs(d) < 1e15 { out += String(Int64(d)) } else { out += String(d) }
            } else {
                out += "null"
            }
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                item.write(to: &out, indent: indent.map { $0 + 1 }, flush: flush)
            }
            newline(&out, indent)
            out += "]"
        case .lazyArray(let items):
            if items.count == 0 { out += "[]"; return }
            if let flush, let makeElement = items.makeElement, items.count > JSONValue.concurrentElementChunk {
                writeConcurrently(items.count, makeElement, to: &out, indent: indent, flush: flush)
                return
            }
            out += "["
            for i in 0..<items.count {
                if i > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                items.element(i).write(to: &out, indent: indent.map { $0 + 1 }, flush: flush)
                if let flush, out.utf8.count >= 1 << 20 {
                    flush(out)
                    out = ""
                }
            }
            newline(&out, indent)
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                JSONValue.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                value.write(to: &out, indent: indent.map { $0 + 1 }, flush: flush)
            }
            newline(&out, indent)
            out += "}"
        }
    }

    /// Elements per chunk when a lazy array's elements are serialised on several threads.
    static let concurrentElementChunk = 64

    /// A lazy array's elements serialised in chunks on every core (`OrderedChunkFormatter`), each
    /// thread with its own element maker: the same text as one element after another.
    private func writeConcurrently(_ count: Int, _ makeElement: @escaping @Sendable () -> (Int) -> JSONValue,
                                   to out: inout String, indent: Int?, flush: (String) -> Void) {
        out += "["
        let inner = indent.map { $0 + 1 }
        let formatter = OrderedChunkFormatter(chunkLength: JSONValue.concurrentElementChunk)
        formatter.run(count: count, makeWorker: makeElement, format: { element, range, text in
            for i in range {
                if i > 0 { text += "," }
                JSONValue.null.newline(&text, inner)
                element(i).write(to: &text, indent: inner, flush: nil)
            }
        }, emit: { chunk in
            out += chunk
            if out.utf8.count >= 1 << 20 {
                flush(out)
                out = ""
            }
        })
        newline(&out, indent)
        out += "]"
    }

    private func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += indent < JSONValue.indents.count ? JSONValue.indents[indent] : "\n" + String(repeating: "  ", count: indent)
    }

    /// A line break and the indentation of each depth a report reaches.
    private static let indents = (0..<16).map { "\n" + String(repeating: "  ", count: $0) }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        // Most strings need no escape at all: append them whole, not scalar by scalar.
        if !needsEscaping(s) {
            out += s
            out += "\""
            return
        }
        // On UTF-8 bytes: every character escaped is ASCII except U+2028/U+2029 (E2 80 A8/A9),
        // so runs of other bytes are copied as they are.
        var escaped: [UInt8] = []
        escaped.reserveCapacity(s.utf8.count + 16)
        var utf8 = s
        utf8.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                switch byte {
                case 0x22: escaped += [0x5C, 0x22]
                case 0x5C: escaped += [0x5C, 0x5C]
                case 0x0A: escaped += [0x5C, 0x6E]
                case 0x0D: escaped += [0x5C, 0x72]
                case 0x09: escaped += [0x5C, 0x74]
                case 0x00..<0x20, 0x3C, 0x3E, 0x26:
                    escaped += JSONValue.unicodeEscape(UInt16(byte))
                case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    escaped += JSONValue.unicodeEscape(bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029)
                    i += 2
                default:
                    escaped.append(byte)
                }
                i += 1
            }
        }
        out += String(decoding: escaped, as: UTF8.self)
        out += "\""
    }

    /// `\uXXXX` with lowercase hex digits, as bytes.
    private static func unicodeEscape(_ value: UInt16) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [0x5C, 0x75, digits[Int(value >> 12 & 0xF)], digits[Int(value >> 8 & 0xF)],
                digits[Int(value >> 4 & 0xF)], digits[Int(value & 0xF)]]
    }

    /// Whether any byte of `s` must be escaped (quote, backslash, controls, `<>&`, and the
    /// UTF-8 lead byte 0xE2 that starts U+2028/U+2029, checked precisely on the slow path).
    private static func needsEscaping(_ s: String) -> Bool {
        for byte in s.utf8 {
            switch byte {
            case 0x00..<0x20, 0x22, 0x5C, 0x3C, 0x3E, 0x26, 0xE2: return true
            default: continue
            }
        }
        return false
    }
}

/// The elements of a `JSONValue.lazyArray`: a count and a function making element `i`.
package struct LazyJSONArray: Sendable {
    package let count: Int
    package let element: @Sendable (Int) -> JSONValue
    /// Makes an element function for one thread of several (with its own readers of the fact
    /// stores), so that a long array is serialised on every core; nil: one thread.
    package let makeElement: (@Sendable () -> (Int) -> JSONValue)?

    package init(count: Int, element: @escaping @Sendable (Int) -> JSONValue,
                 makeElement: (@Sendable () -> (Int) -> JSONValue)? = nil) {
        self.count = count
        self.element = element
        self.makeElement = makeElement
    }
}
