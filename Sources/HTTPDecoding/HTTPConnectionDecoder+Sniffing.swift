import Reassembly

extension HTTPConnectionDecoder {
    /// Whether a connection's first payload looks like HTTP/1: a request line from the client,
    /// or `HTTP/1.` from the server. For content sniffing on ports that are not known HTTP ports
    /// (the reassembler's `ConsumerFactory` gets the first payload).
    ///
    /// A request line is any RFC 9110 token as method (`CONNECT`, `M-SEARCH`, `BASELINE-CONTROL`,
    /// a method with `_`), a space and a target. A whole first line that ends in `HTTP/d.d` is
    /// enough whatever the target's form (`CONNECT host:443`, `GET HTTP://host/`, a lower-case
    /// method). A line the payload cuts short needs an upper-case method and a target in one of
    /// RFC 9112's forms: origin (`/`), asterisk, absolute (`scheme://`) or, for CONNECT, authority.
    package static func looksLikeHTTP(_ firstPayload: UnsafeRawBufferPointer, direction: FlowDirection) -> Bool {
        let bytes = firstPayload
        if direction == .serverToClient {
            // A small string's UTF-8 view: no array built for every payload sniffed.
            return bytes.starts(with: "HTTP/1.".utf8)
        }
        var i = 0
        var upperCase = true
        while i < bytes.count, i <= 32, HTTPHead.isTokenCharacter(bytes[i]) {
            let byte = bytes[i]
            if !(byte >= 0x41 && byte <= 0x5A) && byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") { upperCase = false }
            i += 1
        }
        let methodLength = i
        guard methodLength >= 1, methodLength <= 32, i + 2 <= bytes.count, bytes[i] == 0x20 else { return false }
        let targetStart = i + 1
        // The first line, as far as the payload holds it.
        var lineEnd = targetStart
        while lineEnd < bytes.count, bytes[lineEnd] != 0x0A, lineEnd - targetStart < 8192 {
            let byte = bytes[lineEnd]
            guard byte >= 0x20 && byte != 0x7F || byte == 0x0D else { return false }
            lineEnd += 1
        }
        if lineEnd < bytes.count, bytes[lineEnd] == 0x0A {
            var end = lineEnd
            if end > targetStart, bytes[end - 1] == 0x0D { end -= 1 }
            // " HTTP/d.d" closing a line with a target before it.
            guard end - targetStart >= 10 else { return upperCase && methodLength >= 3 && plausibleTarget(bytes, from: targetStart, to: end) }
            let version = UnsafeRawBufferPointer(rebasing: bytes[(end - 8)..<end])
            if bytes[end - 9] == 0x20, HTTPHead.isVersion(ArraySlice(version)) { return true }
            // HTTP/0.9: "GET /path" alone on its line.
            return upperCase && methodLength >= 3 && plausibleTarget(bytes, from: targetStart, to: end)
        }
        return upperCase && methodLength >= 3 && plausibleTarget(bytes, from: targetStart, to: lineEnd)
    }

    /// The start of a request target in one of RFC 9112 3.2's forms: origin, asterisk, absolute
    /// (a scheme then `://`, in any case) or authority (`host:port`, CONNECT's form).
    private static func plausibleTarget(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        guard start < end else { return false }
        let first = bytes[start]
        if first == UInt8(ascii: "/") || first == UInt8(ascii: "*") { return true }
        var i = start
        while i < end, i - start < 64 {
            let byte = bytes[i]
            let isAlphanumeric = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
            if byte == UInt8(ascii: ":") {
                // "scheme://" or "host:port" (a digit after the colon).
                guard i > start, i + 1 < end else { return false }
                return bytes[i + 1] == UInt8(ascii: "/") || (bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39)
            }
            guard isAlphanumeric || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                    || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") else { return false }
            i += 1
        }
        return false
    }
}
