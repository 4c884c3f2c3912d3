/// The parts of an HTTP/1.x start line and header block that decide where a body is and
/// whether it is bulk image data.
struct HTTPHead {
    enum Kind {
        case request(method: String, target: String)
        case response(status: Int)
    }

    var kind: Kind
    var contentLength: Int64?
    var chunked = false
    var contentType = ""
    var closes = false
    var http10 = false

    /// Parses a complete head (start line through the blank line); nil when it is not HTTP.
    init?(_ bytes: ArraySlice<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n" as Character, omittingEmptySubsequences: false).makeIterator()
        guard let startLine = lines.next() else { return nil }
        let parts = startLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        if parts[0].hasPrefix("HTTP/1.") {
            guard let status = Int(parts[1]), (100...999).contains(status) else { return nil }
            kind = .response(status: status)
            http10 = parts[0] == "HTTP/1.0"
        } else {
            guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), HTTPHead.isToken(parts[0]) else { return nil }
            kind = .request(method: String(parts[0]), target: String(parts[1]))
            http10 = parts[2] == "HTTP/1.0"
        }
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            switch name {
            case "content-length":
                // Conflicting or bad lengths make the framing unknowable: refuse (keep bytes).
                guard let length = Int64(value), length >= 0, contentLength == nil || contentLength == length else { return nil }
                contentLength = length
            case "transfer-encoding":
                if value.lowercased().hasSuffix("chunked") { chunked = true }
            case "content-type":
                contentType = value.lowercased()
            case "connection":
                if value.lowercased().contains("close") { closes = true }
            default:
                break
            }
        }
    }

    static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 16 && text.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5a || $0 == 0x2d || $0 == 0x5f }
    }

    /// Whether a request's body is image data: Glance's `PUT /v2/images/{id}/file` (upload)
    /// and `.../stage` (interoperable import), glance_store's write of a Swift object, or
    /// anything sent as octet-stream.
    var isBulkRequestBody: Bool {
        guard case .request(let method, let target) = kind else { return false }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        if method == "PUT" && (path.hasSuffix("/file") || path.hasSuffix("/stage")) { return true }
        if method == "PUT" && HTTPHead.isSwiftObject(path) { return true }
        return contentType.hasPrefix("application/octet-stream")
    }

    /// `/v1/AUTH_<project>/<container>/<object>`: swiftclient sends an object's bytes without
    /// a Content-Type.
    static func isSwiftObject(_ path: String) -> Bool {
        guard path.hasPrefix("/v1/AUTH_") || path.hasPrefix("/v1/auth_") else { return false }
        let parts = path.split(separator: "/", maxSplits: 3)
        return parts.count == 4 && !parts[3].isEmpty
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
