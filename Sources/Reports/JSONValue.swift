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
        var out: [UInt8] = []
        write(to: &out, indent: pretty ? 0 : nil, flush: nil)
        return String(decoding: out, as: UTF8.self)
    }

    /// Serialises in pieces of about a megabyte handed to `chunk`, for output of any size.
    package func serialize(pretty: Bool = true, chunk: (String) -> Void) {
        serializeBytes(pretty: pretty) { chunk(String(decoding: $0, as: UTF8.self)) }
    }

    /// Serialises as UTF-8 in pieces of about a megabyte handed to `chunk`.
    package func serializeBytes(pretty: Bool = true, chunk: ([UInt8]) -> Void) {
        var out: [UInt8] = []
        withoutActuallyEscaping(chunk) { chunk in
            write(to: &out, indent: pretty ? 0 : nil, flush: chunk)
        }
        if !out.isEmpty { chunk(out) }
    }

    fileprivate func write(to out: inout [UInt8], indent: Int?, flush: (([UInt8]) -> Void)?) {
        switch self {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .int(let i): out.append(decimal: Int(truncatingIfNeeded: i))
        case .double(let d):
            JSONValue.append(number: d, to: &out)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty { out.append("[]"); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent.map { $0 + 1 })
                item.write(to: &out, indent: indent.map { $0 + 1 }, flush: flush)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .lazyArray(let items):
            if items.count == 0 { out.append("[]"); return }
            let inner = indent.map { $0 + 1 }
            if let flush, items.count > JSONValue.concurrentElementChunk, let makeWriter = items.concurrentWriter {
                writeConcurrently(items.count, makeWriter, to: &out, indent: indent, flush: flush)
                return
            }
            let write = items.makeWriter()
            out.append(UInt8(ascii: "["))
            for i in 0..<items.count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, inner)
                write(i, inner, &out)
                if let flush, out.count >= 1 << 20 {
                    flush(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out.append("{}"); return }
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent.map { $0 + 1 })
                JSONValue.writeString(key, to: &out)
                out.append(indent == nil ? ":" : ": ")
                value.write(to: &out, indent: indent.map { $0 + 1 }, flush: flush)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Elements per chunk when a lazy array's elements are serialised on several threads.
    static let concurrentElementChunk = 64

    /// A lazy array's elements serialised in chunks on every core (`OrderedChunkFormatter`), each
    /// thread with its own element writer: the same text as one element after another.
    private func writeConcurrently(_ count: Int, _ makeWriter: @escaping @Sendable () -> LazyJSONArray.ElementWriter,
                                   to out: inout [UInt8], indent: Int?, flush: ([UInt8]) -> Void) {
        out.append(UInt8(ascii: "["))
        let inner = indent.map { $0 + 1 }
        let formatter = OrderedChunkFormatter(chunkLength: JSONValue.concurrentElementChunk)
        formatter.run(count: count, empty: [UInt8](), makeWorker: makeWriter, format: { write, range, text in
            for i in range {
                if i > 0 { text.append(UInt8(ascii: ",")) }
                JSONValue.newline(&text, inner)
                write(i, inner, &text)
            }
        }, emit: { chunk in
            out.append(contentsOf: chunk)
            if out.count >= 1 << 20 {
                flush(out)
                out.removeAll(keepingCapacity: true)
            }
        })
        JSONValue.newline(&out, indent)
        out.append(UInt8(ascii: "]"))
    }

    /// A double as JSON: whole numbers without a fraction, others as Swift prints them, null
    /// when not finite.
    static func append(number d: Double, to out: inout [UInt8]) {
        if d.isFinite {
            if d == d.rounded(), abs(d) < 1e15 { out.append(decimal: Int(Int64(d))) } else { out.append(text: String(d)) }
        } else {
            out.append("null")
        }
    }

    static func newline(_ out: inout [UInt8], _ indent: Int?) {
        guard let indent, indent >= 0 else { return }
        let length = 1 &+ 2 &* indent
        guard length <= JSONValue.lineStart.count else {
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<indent { out.append("  ") }
            return
        }
        JSONValue.lineStart.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<length])) }
    }

    /// A line break and the indentation of the depths a report reaches, cut to length.
    private static let lineStart: [UInt8] = [0x0A] + [UInt8](repeating: 0x20, count: 32)

    static func writeString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// A string of UTF-8 bytes, quoted and escaped. Every character escaped is ASCII except
    /// U+2028/U+2029 (E2 80 A8/A9), so the runs of bytes between escapes are copied whole.
    static func writeString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var run = 0
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x3C || byte == 0x3E || byte == 0x26 || byte == 0xE2 else {
                i &+= 1
                continue
            }
            var skip = 1
            let escape: StaticString?
            var unicode: UInt16 = 0
            switch byte {
            case 0x22: escape = "\\\""
            case 0x5C: escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0xE2:
                guard i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9) else {
                    i &+= 1
                    continue
                }
                escape = nil
                unicode = bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029
                skip = 3
            default:
                escape = nil
                unicode = UInt16(byte)
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<i]))
            if let escape { out.append(escape) } else { appendUnicodeEscape(unicode, to: &out) }
            i &+= skip
            run = i
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<bytes.count]))
        out.append(UInt8(ascii: "\""))
    }

    /// `\uXXXX` with lowercase hex digits.
    private static func appendUnicodeEscape(_ value: UInt16, to out: inout [UInt8]) {
        func hex(_ nibble: UInt16) -> UInt8 { nibble < 10 ? 48 &+ UInt8(nibble) : 87 &+ UInt8(nibble) }
        out.append("\\u")
        out.append(hex(value >> 12 & 0xF)); out.append(hex(value >> 8 & 0xF))
        out.append(hex(value >> 4 & 0xF)); out.append(hex(value & 0xF))
    }
}

/// The elements of a `JSONValue.lazyArray`: a count and a function making element `i`.
package struct LazyJSONArray: Sendable {
    /// Writes element `i` at the given depth (nil: compact) as UTF-8, for one thread.
    package typealias ElementWriter = (_ index: Int, _ indent: Int?, _ out: inout [UInt8]) -> Void

    package let count: Int
    package let element: @Sendable (Int) -> JSONValue
    /// Makes an element function for one thread of several (with its own readers of the fact
    /// stores), so that a long array is serialised on every core; nil: one thread.
    package let makeElement: (@Sendable () -> (Int) -> JSONValue)?
    /// Makes a writer of the elements' text that builds no `JSONValue` (the `http` and `sql`
    /// arrays): the serialiser uses it instead of `element`, whose text it must write byte for
    /// byte. `concurrent`: one may be made per thread.
    private let byteWriter: (make: @Sendable () -> ElementWriter, concurrent: Bool)?

    package init(count: Int, element: @escaping @Sendable (Int) -> JSONValue,
                 makeElement: (@Sendable () -> (Int) -> JSONValue)? = nil,
                 makeWriter: (@Sendable () -> ElementWriter)? = nil, writersAreConcurrent: Bool = false) {
        self.count = count
        self.element = element
        self.makeElement = makeElement
        byteWriter = makeWriter.map { ($0, writersAreConcurrent) }
    }

    /// A writer for one thread: the byte writer, else one that serialises `element`.
    func makeWriter() -> ElementWriter {
        if let byteWriter { return byteWriter.make() }
        let element = self.element
        return { i, indent, out in element(i).write(to: &out, indent: indent, flush: nil) }
    }

    /// Makes a writer per thread, when several threads may write at once.
    var concurrentWriter: (@Sendable () -> ElementWriter)? {
        if let byteWriter { return byteWriter.concurrent ? byteWriter.make : nil }
        guard let makeElement else { return nil }
        return {
            let element = makeElement()
            return { i, indent, out in element(i).write(to: &out, indent: indent, flush: nil) }
        }
    }
}
