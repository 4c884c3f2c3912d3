/// The OpenStack service an HTTP exchange belongs to.
package enum OpenStackService: String, Sendable, Hashable, CaseIterable {
    case keystone
    case glance
    case swift
    case other
}

/// Server ports that identify a service (`OpenStackPorts`' by default; `--port` may add more).
package struct OpenStackServicePorts: Sendable, Hashable {
    /// Ports that say a call is Keystone's.
    package var keystone: Set<UInt16>
    /// Ports that say a call is Glance's.
    package var glance: Set<UInt16>
    /// Ports that say a call is the Swift proxy's.
    package var swift: Set<UInt16>

    /// The given port sets; by default `OpenStackPorts`'.
    package init(keystone: Set<UInt16> = OpenStackPorts.keystone, glance: Set<UInt16> = OpenStackPorts.glance,
                swift: Set<UInt16> = OpenStackPorts.swift) {
        self.keystone = keystone
        self.glance = glance
        self.swift = swift
    }

    /// `OpenStackPorts`' service ports.
    package static let standard = OpenStackServicePorts()

    /// The service listening on `port`, if the port says.
    package func service(for port: UInt16) -> OpenStackService? {
        if keystone.contains(port) { return .keystone }
        if glance.contains(port) { return .glance }
        if swift.contains(port) { return .swift }
        return nil
    }
}

/// One row of the classification table: service, method and path pattern to an operation name.
///
/// Patterns are `/`-separated segments: a literal, `{image}` (an image id, or a name in a lookup
/// by name), `{member}`, `{tag}`, `{task}`, `{account}`, `{container}`, `{id}`, `{collection}` (any
/// one segment, captured), `{*}` (any one segment) and a final `**` (any rest, even empty).
/// `{collection}` in the operation is replaced by the captured segment made singular, so one row
/// covers Keystone's uniform resources (`GET /v3/users` is `user-list`). The first row that
/// matches wins: put specific rows first.
package struct OpenStackRoute: Sendable, Hashable {
    /// The service the row is for.
    package var service: OpenStackService
    /// The method, or nil for any.
    package var method: String?
    /// The path pattern (see above).
    package var pattern: String
    /// The operation's name, `{collection}` replaced as described above.
    package var operation: String
    /// The pattern's segments, read once: a call is tested against dozens of rows.
    let segments: [PatternSegment]
    /// Whether `operation` has a `{collection}` to fill in.
    let namesCollection: Bool

    /// One `/`-separated piece of a pattern.
    enum PatternSegment: Sendable, Hashable {
        /// Must equal the path's segment.
        case literal(Substring)
        /// `{name}`: any one segment, captured under `name`.
        case capture(String)
        /// `{*}`: any one segment.
        case any
        /// `**`: any rest, even empty (a `**` before the end matches nothing).
        case rest(isLast: Bool)
    }

    /// A row: service, method (nil for any), path pattern, operation.
    package init(_ service: OpenStackService, _ method: String?, _ pattern: String, _ operation: String) {
        self.service = service
        self.method = method
        self.pattern = pattern
        self.operation = operation
        namesCollection = operation.contains("{collection}")
        let pieces = pattern.split(separator: "/")
        segments = pieces.enumerated().map { position, piece in
            if piece == "**" { return .rest(isLast: position == pieces.count - 1) }
            guard piece.hasPrefix("{"), piece.hasSuffix("}") else { return .literal(piece) }
            let name = String(piece.dropFirst().dropLast())
            return name == "*" ? .any : .capture(name)
        }
    }

    /// Captured segments by placeholder name when `method` and `path` match.
    func match(method: String, pathSegments: [Substring]) -> [String: String]? {
        if let expected = self.method, expected != method { return nil }
        // Nearly every row fails: test the shape first, capture only for the row that matches.
        guard matchesShape(pathSegments) else { return nil }
        var captures: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .rest:
                captures["**"] = pathSegments[index...].joined(separator: "/")
                return captures
            case .capture(let name):
                captures[name] = OpenStackRoute.percentDecoded(pathSegments[index])
            case .literal, .any:
                break
            }
        }
        return captures
    }

    private func matchesShape(_ pathSegments: [Substring]) -> Bool {
        var index = 0
        for segment in segments {
            switch segment {
            case .rest(let isLast):
                return isLast
            case .literal(let literal):
                guard index < pathSegments.count, pathSegments[index] == literal else { return false }
            case .capture, .any:
                guard index < pathSegments.count else { return false }
            }
            index += 1
        }
        return index == pathSegments.count
    }

    /// The operation name with `{collection}` filled in.
    func operationName(captures: [String: String]) -> OpenStackOperation {
        guard namesCollection, let collection = captures["collection"] else { return OpenStackOperation(rawValue: operation) }
        return OpenStackOperation(rawValue: operation.replacing("{collection}", with: OpenStackRoute.singular(collection)))
    }

    static func singular(_ word: String) -> String {
        let word = word.replacing("_", with: "-")
        if word.hasSuffix("ies") { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("s") && !word.hasSuffix("ss") { return String(word.dropLast()) }
        return word
    }

    static func percentDecoded(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2,
               let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(value)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension OpenStackRoute {
    /// Keystone v3, Glance v2 and Swift v1 operations.
    package static let standardTable: [OpenStackRoute] = keystoneRoutes + glanceRoutes + swiftRoutes

    /// Keystone's v3 (and v2.0 token) operations.
    package static let keystoneRoutes: [OpenStackRoute] = [
        .init(.keystone, "GET", "/", "version-discovery"),
        .init(.keystone, "GET", "/v3", "version-show"),
        .init(.keystone, "POST", "/v3/auth/tokens", "token-issue"),
        .init(.keystone, "GET", "/v3/auth/tokens", "token-validate"),
        .init(.keystone, "HEAD", "/v3/auth/tokens", "token-check"),
        .init(.keystone, "DELETE", "/v3/auth/tokens", "token-revoke"),
        .init(.keystone, "GET", "/v3/auth/catalog", "catalog"),
        .init(.keystone, "GET", "/v3/auth/projects", "auth-project-list"),
        .init(.keystone, "GET", "/v3/auth/domains", "auth-domain-list"),
        .init(.keystone, "GET", "/v3/auth/system", "auth-system-list"),
        .init(.keystone, "POST", "/v3/auth/OS-FEDERATION/**", "federation-auth"),
        .init(.keystone, "POST", "/v2.0/tokens", "token-issue"),
        .init(.keystone, "GET", "/v2.0/tokens/{*}", "token-validate"),
        .init(.keystone, "GET", "/v3/{collection}", "{collection}-list"),
        .init(.keystone, "POST", "/v3/{collection}", "{collection}-create"),
        .init(.keystone, "GET", "/v3/{collection}/{id}", "{collection}-show"),
        .init(.keystone, "HEAD", "/v3/{collection}/{id}", "{collection}-check"),
        .init(.keystone, "PATCH", "/v3/{collection}/{id}", "{collection}-update"),
        .init(.keystone, "PUT", "/v3/{collection}/{id}", "{collection}-update"),
        .init(.keystone, "DELETE", "/v3/{collection}/{id}", "{collection}-delete"),
        .init(.keystone, nil, "/v3/{collection}/{id}/**", "{collection}-related"),
    ]

    /// Glance's v2 operations.
    package static let glanceRoutes: [OpenStackRoute] = [
        .init(.glance, "GET", "/", "versions"),
        .init(.glance, "GET", "/versions", "versions"),
        .init(.glance, "GET", "/v2", "versions"),
        .init(.glance, "GET", "/v2/images", "image-list"),
        .init(.glance, "POST", "/v2/images", "image-create"),
        .init(.glance, "GET", "/v2/images/{image}", "image-show"),
        .init(.glance, "PATCH", "/v2/images/{image}", "image-update"),
        .init(.glance, "DELETE", "/v2/images/{image}", "image-delete"),
        .init(.glance, "PUT", "/v2/images/{image}/file", "image-upload"),
        .init(.glance, "GET", "/v2/images/{image}/file", "image-download"),
        .init(.glance, "PUT", "/v2/images/{image}/stage", "image-stage"),
        .init(.glance, "DELETE", "/v2/images/{image}/stage", "image-stage-delete"),
        .init(.glance, "POST", "/v2/images/{image}/import", "image-import"),
        .init(.glance, "POST", "/v2/images/{image}/actions/deactivate", "image-deactivate"),
        .init(.glance, "POST", "/v2/images/{image}/actions/reactivate", "image-reactivate"),
        .init(.glance, "GET", "/v2/images/{image}/tasks", "image-task-list"),
        .init(.glance, "GET", "/v2/images/{image}/members", "member-list"),
        .init(.glance, "POST", "/v2/images/{image}/members", "member-create"),
        .init(.glance, "GET", "/v2/images/{image}/members/{member}", "member-show"),
        .init(.glance, "PUT", "/v2/images/{image}/members/{member}", "member-update"),
        .init(.glance, "DELETE", "/v2/images/{image}/members/{member}", "member-delete"),
        .init(.glance, "PUT", "/v2/images/{image}/tags/{tag}", "tag-add"),
        .init(.glance, "DELETE", "/v2/images/{image}/tags/{tag}", "tag-delete"),
        .init(.glance, "DELETE", "/v2/stores/{*}/{image}", "image-store-delete"),
        .init(.glance, "GET", "/v2/schemas/**", "schemas"),
        .init(.glance, "GET", "/v2/tasks", "task-list"),
        .init(.glance, "POST", "/v2/tasks", "task-create"),
        .init(.glance, "GET", "/v2/tasks/{task}", "task-show"),
        .init(.glance, "GET", "/v2/info/import", "import-info"),
        .init(.glance, "GET", "/v2/info/stores", "store-list"),
        .init(.glance, "GET", "/v2/info/stores/detail", "store-list"),
        .init(.glance, "GET", "/v2/info/usage", "usage"),
        .init(.glance, nil, "/v2/metadefs/**", "metadefs"),
        .init(.glance, nil, "/v2/cache/**", "cache"),
        .init(.glance, nil, "/v2/cache", "cache"),
        .init(.glance, "GET", "/healthcheck", "healthcheck"),
    ]

    /// The Swift proxy's v1 operations (glance_store's calls among them).
    package static let swiftRoutes: [OpenStackRoute] = [
        .init(.swift, "GET", "/info", "info"),
        .init(.swift, "GET", "/healthcheck", "healthcheck"),
        .init(.swift, "GET", "/auth/v1.0", "auth"),
        .init(.swift, "GET", "/v1/{account}", "container-list"),
        .init(.swift, "HEAD", "/v1/{account}", "account-show"),
        .init(.swift, "POST", "/v1/{account}", "account-update"),
        .init(.swift, "GET", "/v1/{account}/{container}", "object-list"),
        .init(.swift, "PUT", "/v1/{account}/{container}", "container-create"),
        .init(.swift, "HEAD", "/v1/{account}/{container}", "container-show"),
        .init(.swift, "POST", "/v1/{account}/{container}", "container-update"),
        .init(.swift, "DELETE", "/v1/{account}/{container}", "container-delete"),
        .init(.swift, "GET", "/v1/{account}/{container}/**", "object-download"),
        .init(.swift, "PUT", "/v1/{account}/{container}/**", "object-upload"),
        .init(.swift, "HEAD", "/v1/{account}/{container}/**", "object-show"),
        .init(.swift, "POST", "/v1/{account}/{container}/**", "object-update"),
        .init(.swift, "DELETE", "/v1/{account}/{container}/**", "object-delete"),
        .init(.swift, "COPY", "/v1/{account}/{container}/**", "object-copy"),
    ]

    /// A path's non-empty `/`-separated segments, as `path.split(separator: "/")` gives them, cut
    /// at the `/` bytes rather than by Characters when the path is ASCII (nearly always: a
    /// Character walk was a tenth of the call's classification).
    static func segments(of path: String) -> [Substring] {
        let utf8 = path.utf8
        // A combining mark after a `/` makes one Character of both: Characters decide then.
        if utf8.contains(where: { $0 >= 0x80 }) { return path.split(separator: "/") }
        var segments: [Substring] = []
        var start = utf8.startIndex
        var i = start
        while i != utf8.endIndex {
            if utf8[i] == UInt8(ascii: "/") {
                if i != start { segments.append(Substring(path.utf8[start..<i])) }
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        if i != start { segments.append(Substring(path.utf8[start..<i])) }
        return segments
    }

    /// The service a path's shape suggests when the port does not tell.
    static func service(forPath path: String) -> OpenStackService? {
        if path.hasPrefix("/v3/") || path == "/v3" || path.hasPrefix("/v2.0/") || path == "/v2.0" { return .keystone }
        if path.hasPrefix("/v2/images") || path.hasPrefix("/v2/schemas") || path.hasPrefix("/v2/tasks")
            || path.hasPrefix("/v2/info") || path.hasPrefix("/v2/metadefs") || path.hasPrefix("/v2/cache") { return .glance }
        if path.hasPrefix("/v1/AUTH_") || path.hasPrefix("/v1/auth_") || path == "/auth/v1.0" { return .swift }
        return nil
    }
}
