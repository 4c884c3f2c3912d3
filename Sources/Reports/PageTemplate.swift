/// The HTML report's template engine: the part of Mustache the page uses, every `{{value}}`
/// HTML-escaped. It replaced swift-mustache, whose module imports all of Foundation: linking it
/// loaded Foundation, its internationalisation library and ICU into every run of every command,
/// a quarter of `glancetrace --version`'s start-up (ld.so relocating them, the kernel mapping
/// them). Values are escaped by Unicode scalar (`AnalysisHTML.escape`), so a `<` followed by a
/// combining mark is escaped too, where swift-mustache's escaping by Character left it as it was.
///
/// What it reads (Mustache's spec for these tags, swift-mustache's output byte for byte on the
/// report's templates): `{{name}}` (escaped), `{{{name}}}` and `{{& name}}` (as is), dotted names
/// and `{{.}}`, `{{#name}}` sections (a list repeats, `false` hides, a value is pushed), `{{^name}}`
/// inverted sections, `{{! comments}}` and `{{> partial}}`. A section, inverted section, closing,
/// comment or partial tag alone on its line takes the line with it (a standalone partial indents
/// its text by the line's indentation). Delimiter changes, lambdas and blocks are not read: such a
/// template is refused when parsed.
package struct PageTemplate: Sendable {
    /// Why a template was refused.
    package struct ParseError: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    private let nodes: [Node]
    private let partials: [String: [Node]]

    /// `partials` are the texts `{{> name}}` stands for, templates themselves.
    package init(_ text: String, partials: [String: String] = [:]) throws {
        nodes = try Self.parse(text)
        var parsed: [String: [Node]] = [:]
        for (name, partial) in partials { parsed[name] = try Self.parse(partial) }
        self.partials = parsed
    }

    package func render(_ value: TemplateValue) -> String {
        var out = ""
        render(nodes, stack: [value], indentation: "", into: &out)
        return out
    }

    // MARK: - Rendering

    private indirect enum Node: Sendable {
        case text(String)
        case value(path: String, escaped: Bool)
        case section(path: String, inverted: Bool, body: [Node])
        case partial(name: String, indentation: String)
    }

    private func render(_ nodes: [Node], stack: [TemplateValue], indentation: String, into out: inout String) {
        for node in nodes {
            switch node {
            case .text(let text):
                // A standalone partial's lines each start with the indentation of its tag.
                if !indentation.isEmpty, out.isEmpty || out.utf8.last == UInt8(ascii: "\n") { out += indentation }
                out += text
            case .value(let path, let escaped):
                let text: String
                switch Self.lookup(path, in: stack) {
                case .text(let value)?: text = value
                case .flag(let value)?: text = value ? "true" : "false"
                default: continue
                }
                guard !text.isEmpty else { continue }
                if !indentation.isEmpty, out.isEmpty || out.utf8.last == UInt8(ascii: "\n") { out += indentation }
                out += escaped ? AnalysisHTML.escape(text) : text
            case .section(let path, let inverted, let body):
                let value = Self.lookup(path, in: stack)
                switch (value, inverted) {
                case (.list(let items)?, false):
                    for item in items { render(body, stack: stack + [item], indentation: indentation, into: &out) }
                case (.flag(let shown)?, false):
                    if shown { render(body, stack: stack, indentation: indentation, into: &out) }
                case (let value?, false):
                    render(body, stack: stack + [value], indentation: indentation, into: &out)
                case (nil, false):
                    break
                case (.list(let items)?, true):
                    if items.isEmpty { render(body, stack: stack, indentation: indentation, into: &out) }
                case (.flag(let shown)?, true):
                    if !shown { render(body, stack: stack, indentation: indentation, into: &out) }
                case (_?, true):
                    break
                case (nil, true):
                    render(body, stack: stack, indentation: indentation, into: &out)
                }
            case .partial(let name, let own):
                guard let partial = partials[name] else { continue }
                render(partial, stack: stack, indentation: indentation + own, into: &out)
            }
        }
    }

    /// Mustache's name resolution: the first name is looked up from the innermost context out,
    /// the rest of a dotted name only inside what that found.
    private static func lookup(_ path: String, in stack: [TemplateValue]) -> TemplateValue? {
        if path == "." { return stack.last }
        let names = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = names.first,
              var found = stack.reversed().lazy.compactMap({ $0.member(first) }).first else { return nil }
        for name in names.dropFirst() {
            guard let member = found.member(name) else { return nil }
            found = member
        }
        return found
    }

    // MARK: - Parsing

    private enum Tag {
        case value(String, escaped: Bool)
        case open(String, inverted: Bool)
        case close(String)
        case comment
        /// The indentation is that of a standalone partial's line, empty for one within a line.
        case partial(String, indentation: String)

        /// Section, closing, comment and partial tags vanish with their line when alone on it.
        var canStandAlone: Bool {
            if case .value = self { return false }
            return true
        }
    }

    private enum Piece {
        case text([UInt8])
        case tag(Tag)
    }

    private static func parse(_ text: String) throws -> [Node] {
        let pieces = try standalone(lines(of: Array(text.utf8)))
        // Sections nest: the innermost open one collects what follows until its closing tag.
        var open: [(name: String, inverted: Bool, nodes: [Node])] = [("", false, [])]
        for piece in pieces {
            switch piece {
            case .text(let bytes):
                open[open.count - 1].nodes.append(.text(String(decoding: bytes, as: UTF8.self)))
            case .tag(.value(let path, let escaped)):
                open[open.count - 1].nodes.append(.value(path: path, escaped: escaped))
            case .tag(.open(let name, let inverted)):
                open.append((name, inverted, []))
            case .tag(.close(let name)):
                guard open.count > 1, let section = open.popLast(), section.name == name else {
                    throw ParseError(description: "{{/\(name)}} closes no open section of that name")
                }
                open[open.count - 1].nodes.append(.section(path: section.name, inverted: section.inverted, body: section.nodes))
            case .tag(.comment):
                break
            case .tag(.partial(let name, let indentation)):
                open[open.count - 1].nodes.append(.partial(name: name, indentation: indentation))
            }
        }
        guard open.count == 1, let top = open.first else {
            throw ParseError(description: "section {{#\(open[open.count - 1].name)}} is not closed")
        }
        return top.nodes
    }

    /// The template's lines (each with its newline, the last maybe without), as text and tags.
    private static func lines(of bytes: [UInt8]) throws -> [[Piece]] {
        var lines: [[Piece]] = []
        var line: [Piece] = []
        var text: [UInt8] = []
        var i = 0
        let brace = UInt8(ascii: "{"), newline = UInt8(ascii: "\n")
        while i < bytes.count {
            if bytes[i] == brace, i + 1 < bytes.count, bytes[i + 1] == brace {
                if !text.isEmpty { line.append(.text(text)); text = [] }
                let (tag, end) = try readTag(bytes, from: i)
                line.append(.tag(tag))
                i = end
                continue
            }
            text.append(bytes[i])
            if bytes[i] == newline {
                line.append(.text(text)); text = []
                lines.append(line); line = []
            }
            i += 1
        }
        if !text.isEmpty { line.append(.text(text)) }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// The tag that starts at `start` (its `{{`), and the index after it.
    private static func readTag(_ bytes: [UInt8], from start: Int) throws -> (Tag, Int) {
        let triple = start + 2 < bytes.count && bytes[start + 2] == UInt8(ascii: "{")
        let close: [UInt8] = triple ? Array("}}}".utf8) : Array("}}".utf8)
        var end = start + (triple ? 3 : 2)
        while end + close.count <= bytes.count, !bytes[end ..< end + close.count].elementsEqual(close) { end += 1 }
        guard end + close.count <= bytes.count else { throw ParseError(description: "a tag is not closed") }
        var inner = Substring(String(decoding: bytes[start + (triple ? 3 : 2) ..< end], as: UTF8.self))
        let after = end + close.count
        if triple { return (.value(trimmed(inner), escaped: false), after) }
        guard let sigil = inner.first else { throw ParseError(description: "an empty tag") }
        switch sigil {
        case "#", "^", "/", "&", ">", "!", "=", "{": inner = inner.dropFirst()
        default: return (.value(trimmed(inner), escaped: true), after)
        }
        let name = trimmed(inner)
        switch sigil {
        case "#": return (.open(name, inverted: false), after)
        case "^": return (.open(name, inverted: true), after)
        case "/": return (.close(name), after)
        case "&": return (.value(name, escaped: false), after)
        case ">": return (.partial(name, indentation: ""), after)
        case "!": return (.comment, after)
        default: throw ParseError(description: "{{\(sigil)...}} is not read by this engine")
        }
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// Drops the lines' whitespace around a tag that stands alone on its line, with the newline;
    /// a standalone partial keeps the indentation for its text.
    private static func standalone(_ lines: [[Piece]]) -> [Piece] {
        var pieces: [Piece] = []
        for line in lines {
            var tags: [Tag] = []
            var blank = true
            var indentation: [UInt8] = []
            for piece in line {
                switch piece {
                case .tag(let tag):
                    tags.append(tag)
                case .text(let bytes):
                    let content = bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...]
                    if content.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) { blank = false }
                    if tags.isEmpty { indentation = Array(content) }
                }
            }
            if blank, tags.count == 1, let tag = tags.first, tag.canStandAlone {
                if case .partial(let name, _) = tag {
                    pieces.append(.tag(.partial(name, indentation: String(decoding: indentation, as: UTF8.self))))
                } else {
                    pieces.append(.tag(tag))
                }
            } else {
                pieces += line
            }
        }
        return pieces
    }
}
