#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed start line and header block, values still in clear (never stored as is: the
/// connection decoder masks them before building an exchange).
package struct HTTPHead {
    package var isRequest: Bool
    package var method = ""
    package var target = ""
    package var version = ""
    package var status = 0
    var reason = ""
    var fields: [HTTPHeader] = []
    /// Header lines that were not `name: value` and were skipped.
    var malformedLines: [String] = []
    /// Why the start line, read leniently, is not what RFC 9112 allows (a space inside the
    /// target, a status code that is not three digits); nil when it is.
    var startLineProblem: String?

    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// Parses a head (start line through the empty line). Nil when the start line is invalid.
    ///
    /// One pass: each line is found and read in place (slices of `bytes`, no list of lines).
    package static func parse(_ bytes: [UInt8], isRequest: Bool) -> HTTPHead? {
        var repeated = HTTPRepeatedFieldValues()
        return parse(bytes, isRequest: isRequest, repeated: &repeated)
    }

    /// `parse(_:isRequest:)` for one direction of a connection: a field value equal to the last
    /// one `repeated` holds for its name is that string (see `HTTPRepeatedFieldValues`).
    static func parse(_ bytes: [UInt8], isRequest: Bool, repeated: inout HTTPRepeatedFieldValues) -> HTTPHead? {
        bytes.withUnsafeBufferPointer { buffer in parse(buffer, isRequest: isRequest, repeated: &repeated) }
    }

    /// `parse` with the head's bytes in place (where the stream parser found them whole, or its
    /// buffer): the lines are read by offsets, without a retained slice per line.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, isRequest: Bool,
                      repeated: inout HTTPRepeatedFieldValues) -> HTTPHead? {
        var lines = LineCursor(bytes: buffer)
        guard let startRange = lines.next() else { return nil }
        let start = UnsafeBufferPointer(rebasing: buffer[startRange])
        // The lenient readings and their messages take a copy (rare: a start line RFC 9112 refuses).
        var startLine: ArraySlice<UInt8> { ArraySlice(start) }
        // Read into locals and made by the memberwise initialiser in one expression: a head
        // changed member by member was copied out whole when returned.
        var method = "", target = "", version = "", status = 0, reason = ""
        var startLineProblem: String?
        if isRequest {
            if let line = parseRequestLine(start) {
                (method, target, version) = line
            } else if let line = parseLenientRequestLine(startLine) {
                (method, target, version) = line
                startLineProblem = "request target with spaces in \"\(text(startLine.prefix(80)))\""
            } else {
                return nil
            }
        } else {
            if let line = parseStatusLine(start) {
                (version, status, reason) = line
            } else if let line = parseLenientStatusLine(startLine) {
                (version, status, reason) = line
                startLineProblem = (status == 0 ? "status code is not three digits in" : "lower-case protocol name in")
                    + " \"\(text(startLine.prefix(80)))\""
            } else {
                return nil
            }
        }
        var fields: [HTTPHeader] = []
        var malformedLines: [String] = []
        fields.reserveCapacity(8)  // a usual head's fields in one allocation
        while let line = lines.next() {
            addField(UnsafeBufferPointer(rebasing: buffer[line]), to: &fields, malformed: &malformedLines, repeated: &repeated)
        }
        return HTTPHead(isRequest: isRequest, method: method, target: target, version: version, status: status, reason: reason,
                        fields: fields, malformedLines: malformedLines, startLineProblem: startLineProblem)
    }

    /// The lines of a head as `splitLines` cuts them (without CRLF or bare LF), one at a time.
    /// Empty lines come out too: the start line must not be one, and fields skip them.
    struct LineCursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        /// The next line's offsets in `bytes`.
        mutating func next() -> Range<Int>? {
            let count = bytes.count
            guard position < count else { return nil }
            let start = position
            let i = HTTPHead.lineFeed(in: UnsafeRawPointer(bytes.baseAddress!), from: start, to: count)
            guard i < count else {
                position = count
                return start..<count
            }
            position = i &+ 1
            return start..<(i > start && bytes[i &- 1] == HTTPHead.cr ? i &- 1 : i)
        }
    }

    /// Header or trailer lines into fields; obs-fold continuation lines join the previous value.
    static func parseFields(_ lines: ArraySlice<ArraySlice<UInt8>>, malformed: inout [String]) -> [HTTPHeader] {
        var fields: [HTTPHeader] = []
        fields.reserveCapacity(lines.count)  // one allocation, not one per doubling
        var repeated = HTTPRepeatedFieldValues()
        for line in lines {
            line.withUnsafeBufferPointer { addField($0, to: &fields, malformed: &malformed, repeated: &repeated) }
        }
        return fields
    }

    /// One header or trailer line into `fields` (an obs-fold line joins the previous value).
    static func addField(_ line: UnsafeBufferPointer<UInt8>, to fields: inout [HTTPHeader], malformed: inout [String],
                         repeated: inout HTTPRepeatedFieldValues) {
        let count = line.count
        guard count > 0 else { return }
        let first = line[0]
        if first == space || first == tab {
            // RFC 9112 5.2: obsolete line folding; replace with a single space.
            if !fields.isEmpty {
                fields[fields.count - 1].value += " " + text(line, trimmed(line, from: 0))
            } else {
                malformed.append(text(line, 0..<min(count, 80)))
            }
            return
        }
        var colon = 0
        while colon < count, line[colon] != HTTPHead.colon { colon &+= 1 }
        // Not a name: a line without a colon, or an empty name.
        guard colon < count, colon > 0 else {
            malformed.append(text(line, 0..<min(count, 80)))
            return
        }
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        let value = UnsafeBufferPointer(rebasing: line[trimmed(line, from: colon &+ 1)])
        // A usual name is a token: only the others' bytes are checked (every byte of every
        // field's name was, a tenth of parsing an API call's heads).
        guard let known = commonNames.word(equalTo: name) else {
            for byte in name where !isTokenCharacter(byte) {
                // A name with a byte a token lacks.
                malformed.append(text(line, 0..<min(count, 80)))
                return
            }
            fields.append(HTTPHeader(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
            return
        }
        fields.append(HTTPHeader(name: known.string, value: repeated.value(slot: known.mark, value)))
    }

    /// The usual field names, spelled as clients and servers send them (names past 15 bytes were
    /// a heap string per message).
    private static let commonNames = KnownWords([
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Connection", "Content-Type", "Content-Length",
        "Content-Encoding", "Transfer-Encoding", "X-Auth-Token", "X-Subject-Token", "X-Openstack-Request-Id",
        "Date", "Server", "Location", "Etag", "X-Trans-Id", "X-Timestamp", "Last-Modified", "Vary",
        "X-Compute-Request-Id", "X-Trace-Info", "Keep-Alive", "Expect", "X-Forwarded-For", "X-Forwarded-Proto",
    ], marking: HTTPRepeatedFieldValues.names)

    /// The offset of the first LF in `base[start..<end]`, or `end`: `memchr`, where a search a
    /// byte at a time was most of a head's scan and parse.
    @inline(__always)
    static func lineFeed(in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        memchr(base + start, Int32(lf), end &- start).map { UnsafeRawPointer($0) - base } ?? end
    }

    /// `line[from...]` without leading blanks and trailing blanks or CR, as offsets.
    static func trimmed(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int> {
        var lower = start, upper = line.count
        while lower < upper, line[lower] == space || line[lower] == tab { lower &+= 1 }
        while upper > lower, line[upper &- 1] == space || line[upper &- 1] == tab || line[upper &- 1] == cr { upper &-= 1 }
        return lower..<upper
    }

    static func text(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
    }

    /// Lines without their CRLF (or bare LF), the terminating empty line dropped.
    static func splitLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == lf {
                var end = i
                if end > start, bytes[end - 1] == cr { end -= 1 }
                lines.append(bytes[start..<end])
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { lines.append(bytes[start..<bytes.count]) }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines
    }

    static func parseRequestLine(_ line: ArraySlice<UInt8>) -> (String, String, String)? {
        line.withUnsafeBufferPointer { parseRequestLine($0) }
    }

    /// `method SP target SP version`, read in place (every request's start line).
    static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) -> (String, String, String)? {
        // Exactly two spaces, each part checked as it is passed (one pass over the line): a
        // token method, a target without controls, and `HTTP/d.d`, which holds no space.
        let count = line.count
        var first = 0
        while first < count, line[first] != space {
            guard isTokenCharacter(line[first]) else { return nil }
            first &+= 1
        }
        guard first > 0, first <= 32, first < count else { return nil }
        var second = first &+ 1
        while second < count {
            let byte = line[second]
            if byte == space { break }
            guard byte > 0x20, byte != 0x7F else { return nil }
            second &+= 1
        }
        guard second < count, second > first &+ 1, isVersion(line, from: second &+ 1) else { return nil }
        return (word(line, 0..<first), text(line, (first &+ 1)..<second), word(line, (second &+ 1)..<count))
    }

    static func parseStatusLine(_ line: ArraySlice<UInt8>) -> (String, Int, String)? {
        line.withUnsafeBufferPointer { parseStatusLine($0) }
    }

    /// `version SP 3DIGIT [SP reason]`, read in place (every response's start line).
    static func parseStatusLine(_ line: UnsafeBufferPointer<UInt8>) -> (String, Int, String)? {
        guard line.count >= 12, isVersion(line, from: 0, count: 8), line[8] == space else { return nil }
        var status = 0
        for i in 9..<12 {
            let byte = line[i]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            status = status &* 10 &+ Int(byte &- 0x30)
        }
        guard status >= 100 else { return nil }
        if line.count > 12, line[12] != space { return nil }
        return (word(line, 0..<8), status, word(line, trimmed(line, from: 12)))
    }

    /// The start-line words nearly every message repeats (methods, versions, reasons): four
    /// strings an exchange that were decoded and validated.
    private static let startLineWords = KnownWords([
        "GET", "PUT", "POST", "HEAD", "PATCH", "DELETE", "OPTIONS", "HTTP/1.1", "HTTP/1.0",
        "OK", "Created", "Accepted", "No Content", "Found", "See Other", "Not Modified", "Bad Request",
        "Unauthorized", "Forbidden", "Not Found", "Conflict", "Continue",
    ])

    /// `text(line, range)`, a usual start-line word without making a string.
    static func word(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        startLineWords.string(equalTo: UnsafeBufferPointer(rebasing: line[range])) ?? text(line, range)
    }

    /// `HTTP/d.d` at `start`, `count` bytes (to the end of `line` by default).
    static func isVersion(_ line: UnsafeBufferPointer<UInt8>, from start: Int, count: Int? = nil) -> Bool {
        let count = count ?? line.count &- start
        guard count == 8, start >= 0, start &+ 8 <= line.count else { return false }
        let b = start
        return line[b] == 0x48 && line[b + 1] == 0x54 && line[b + 2] == 0x54 && line[b + 3] == 0x50 && line[b + 4] == 0x2F
            && line[b + 5] >= 0x30 && line[b + 5] <= 0x39 && line[b + 6] == 0x2E && line[b + 7] >= 0x30 && line[b + 7] <= 0x39
    }

    /// A request line whose target holds spaces (`GET /a b HTTP/1.1`): a token method, the
    /// version last, the target what lies between. Servers such as Apache take it so; the
    /// exchange is kept and flagged rather than lost.
    static func parseLenientRequestLine(_ line: ArraySlice<UInt8>) -> (String, String, String)? {
        let parts = line.split(separator: space, omittingEmptySubsequences: false)
        guard parts.count > 3, let method = parts.first, let version = parts.last, !method.isEmpty, method.count <= 32,
              method.allSatisfy(isTokenCharacter), isVersion(version) else { return nil }
        let target = line[parts[1].startIndex..<parts[parts.count - 2].endIndex]
        guard !target.isEmpty, target.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }), target.first != space else { return nil }
        return (text(method), text(target), text(version))
    }

    /// A status line RFC 9112 does not allow but servers send: a code that is not three digits
    /// (`HTTP/1.0 2XX OK`: status 0, the message framed by its headers and kept with an unknown
    /// status) or the protocol name in lower case (`http/1.1 200 OK`, which Zeek also reads).
    static func parseLenientStatusLine(_ line: ArraySlice<UInt8>) -> (String, Int, String)? {
        guard line.count >= 10 else { return nil }
        let base = line.startIndex
        let version = line[base..<(base + 8)]
        let upper = version.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        guard isVersion(ArraySlice(upper)), line[base + 8] == space else { return nil }
        let rest = line[(base + 9)...]
        let code = rest.prefix { $0 != space }
        var status = 0
        if code.count == 3, code.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            status = code.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            if status < 100 { status = 0 }
        }
        return (text(version), status, text(trimmed(rest[code.endIndex...])))
    }

    /// `HTTP/d.d`
    static func isVersion(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 8 else { return false }
        let b = bytes.startIndex  // in place: an Array copy per start line was an allocation per message
        return bytes[b] == 0x48 && bytes[b + 1] == 0x54 && bytes[b + 2] == 0x54 && bytes[b + 3] == 0x50 && bytes[b + 4] == 0x2F
            && bytes[b + 5] >= 0x30 && bytes[b + 5] <= 0x39 && bytes[b + 6] == 0x2E && bytes[b + 7] >= 0x30 && bytes[b + 7] <= 0x39
    }

    /// RFC 9110 5.6.2 tchar.
    /// One bit per byte below 128: digits, letters and `!#$%&'*+-.^_`|~` (every field name's
    /// bytes are tested, a shift where a switch was a chain of comparisons).
    @inline(__always)
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6CFA_0000_0000, high: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        guard byte < 0x80 else { return false }
        return ((byte < 0x40 ? low : high) >> UInt64(byte & 0x3F)) & 1 != 0
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == space || first == tab { slice = slice.dropFirst() }
        while let last = slice.last, last == space || last == tab || last == cr { slice = slice.dropLast() }
        return slice
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The first value of a field (case-insensitive name; asked in its usual spelling, a match is
    /// found by comparing two words). Field names are tokens (ASCII), so an ASCII comparison is
    /// exact and allocates nothing.
    package func field(_ name: String) -> String? {
        for field in fields where HTTPHeader.sameName(field.name, name) { return field.value }
        return nil
    }

    /// The value of a field that appears once with a single value (no comma), trimmed; nil
    /// otherwise (absent, repeated or a list: `listValues` reads those).
    func soleValue(_ name: String) -> String? {
        var found: String?
        for field in fields where HTTPHeader.sameName(field.name, name) {
            guard found == nil else { return nil }
            found = field.value
        }
        guard let value = found, !value.utf8.contains(UInt8(ascii: ",")) else { return nil }
        return value[...].trimmingSpaces
    }

    /// All values of a field, comma lists split (RFC 9110 5.3).
    package func listValues(_ name: String) -> [String] {
        var values: [String] = []
        // The usual single value is `soleValue`'s (`bodyFraming` asks it first).
        for field in fields where HTTPHeader.sameName(field.name, name) {
            for item in field.value.split(separator: ",") {
                let value = item.trimmingSpaces
                if !value.isEmpty { values.append(value) }
            }
        }
        return values
    }
}

extension Substring {
    var trimmingSpaces: String {
        // Header values come trimmed already: no Character walk when neither end is a blank.
        let blank = { (byte: UInt8?) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        if !blank(utf8.first), !blank(utf8.last) { return String(self) }
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Words a protocol repeats in nearly every message, kept as the (immortal) strings the code
/// spells them with: bytes equal to one are that string, neither decoded, validated nor
/// allocated. Grouped by length, so bytes are compared with the one or two words of theirs.
struct KnownWords {
    private let byLength: [[(bytes: [UInt8], string: String, mark: Int)]]

    /// `marked` words get their place in `marked` as their mark (`word(equalTo:)`), others -1.
    init(_ words: [String], marking marked: [String] = []) {
        var byLength = [[(bytes: [UInt8], string: String, mark: Int)]](repeating: [], count: (words.map(\.utf8.count).max() ?? 0) + 1)
        for word in words { byLength[word.utf8.count].append((Array(word.utf8), word, marked.firstIndex(of: word) ?? -1)) }
        self.byLength = byLength
    }

    /// The word whose bytes are `bytes`, with its mark, or nil.
    func word(equalTo bytes: UnsafeBufferPointer<UInt8>) -> (string: String, mark: Int)? {
        let count = bytes.count
        guard count > 0, count < byLength.count, let base = bytes.baseAddress else { return nil }
        for word in byLength[count] where memcmp(word.bytes, base, count) == 0 { return (word.string, word.mark) }
        return nil
    }

    /// The word whose bytes are `bytes`, or nil.
    func string(equalTo bytes: UnsafeBufferPointer<UInt8>) -> String? {
        word(equalTo: bytes)?.string
    }
}

/// The last value of each of a few fields that a direction of a connection sends again and again
/// in the same words and that name no one request: `Host`, `User-Agent`, `Accept`,
/// `Accept-Encoding`, `Content-Type`, `Server`. A value with the bytes of the last one is that
/// string: neither decoded, validated, allocated nor freed again (two of each per API call;
/// a string of up to 15 bytes is stored inline, but is still decoded and validated). Secrets
/// (`X-Auth-Token`) are not kept here: they wait in clear only until the exchange is masked.
package struct HTTPRepeatedFieldValues {
    private var values: (String?, String?, String?, String?, String?, String?) = (nil, nil, nil, nil, nil, nil)

    package init() {}

    /// The field names whose values are kept: `HTTPHead.commonNames` marks them with their place here.
    static let names = ["Host", "User-Agent", "Accept", "Accept-Encoding", "Content-Type", "Server"]

    /// The value whose bytes are `bytes` of the field whose name `HTTPHead.commonNames` marks
    /// with `slot` (-1: a field whose value is not kept).
    mutating func value(slot: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Short values too: a string of up to 15 bytes is stored inline (no allocation), but
        // comparing its bytes costs a tenth of decoding and validating them again.
        switch slot {
        case 0: return HTTPRepeatedFieldValues.reuse(&values.0, bytes)
        case 1: return HTTPRepeatedFieldValues.reuse(&values.1, bytes)
        case 2: return HTTPRepeatedFieldValues.reuse(&values.2, bytes)
        case 3: return HTTPRepeatedFieldValues.reuse(&values.3, bytes)
        case 4: return HTTPRepeatedFieldValues.reuse(&values.4, bytes)
        case 5: return HTTPRepeatedFieldValues.reuse(&values.5, bytes)
        default: return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func reuse(_ last: inout String?, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let known = last, known.utf8.count == bytes.count, let base = bytes.baseAddress,
           known.utf8.withContiguousStorageIfAvailable({ memcmp($0.baseAddress!, base, bytes.count) == 0 }) == true {
            return known
        }
        let made = String(decoding: bytes, as: UTF8.self)
        last = made
        return made
    }
}
