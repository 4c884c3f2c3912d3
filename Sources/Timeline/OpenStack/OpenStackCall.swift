import HTTPDecoding

/// What an HTTP exchange means in OpenStack terms: the service, the operation, and the
/// identities (user, project, token, image) it names.
///
/// Built from an exchange by a table of routes (`OpenStackRoute.standardTable`, easy to extend)
/// and by reading the kept JSON bodies, whose secrets the decoder already masked.
///
/// ```swift
/// let call = OpenStackCall(exchange: exchange)
/// call.service      // .glance
/// call.operation    // "image-upload"
/// let fact = HTTPFact(exchange: exchange, call: call, index: 12,
///                     endpointTexts: (exchange.client.description, exchange.server.description), messageTexts: false)
/// ```
package struct OpenStackCall: Sendable, Hashable {
    /// The service, by server port, else by path shape.
    package var service: OpenStackService
    /// e.g. `token-issue`, `image-create`, `image-upload`; `other` when no route matched.
    package var operation: OpenStackOperation
    /// The request method (`-` when the request was not seen).
    package var method: String
    /// The request path without query (`-` when the request was not seen).
    package var path: String
    /// The final response's status code; nil without a response.
    package var status: Int?
    /// `X-Openstack-Request-Id` of the response (or the request).
    package var requestID: String?
    /// The request's `User-Agent` (tells a service's own calls from a client's).
    package var userAgent: String?
    /// The decoded osprofiler `X-Trace-Info` header, when present.
    package var trace: OpenStackTraceInfo?
    /// Fingerprint of the request's `X-Auth-Token` (see `SecretMask`).
    package var tokenFingerprint: String?
    /// Fingerprint of `X-Subject-Token`: the token issued (response) or validated (request).
    package var subjectTokenFingerprint: String?

    // Keystone
    /// Authentication methods of a token request (`password`, `token`, `application_credential`).
    package var authMethods: [String] {
        get { keystone?.authMethods ?? [] }
        set { OpenStackCall.set(&keystone, \.authMethods, to: newValue) }
    }
    /// The user a token request authenticates or a token response names.
    package var userName: String? {
        get { keystone?.userName }
        set { OpenStackCall.set(&keystone, \.userName, to: newValue) }
    }
    /// The id of that user.
    package var userID: String? {
        get { keystone?.userID }
        set { OpenStackCall.set(&keystone, \.userID, to: newValue) }
    }
    /// The domain of that user.
    package var userDomainName: String? {
        get { keystone?.userDomainName }
        set { OpenStackCall.set(&keystone, \.userDomainName, to: newValue) }
    }
    /// The project a token is scoped to.
    package var projectName: String? {
        get { keystone?.projectName }
        set { OpenStackCall.set(&keystone, \.projectName, to: newValue) }
    }
    /// The id of that project.
    package var projectID: String? {
        get { keystone?.projectID }
        set { OpenStackCall.set(&keystone, \.projectID, to: newValue) }
    }
    /// The domain of that project.
    package var projectDomainName: String? {
        get { keystone?.projectDomainName }
        set { OpenStackCall.set(&keystone, \.projectDomainName, to: newValue) }
    }
    /// Domain of a domain-scoped token.
    package var domainName: String? {
        get { keystone?.domainName }
        set { OpenStackCall.set(&keystone, \.domainName, to: newValue) }
    }
    /// `token.expires_at` of a token response.
    package var tokenExpiresAt: String? {
        get { keystone?.tokenExpiresAt }
        set { OpenStackCall.set(&keystone, \.tokenExpiresAt, to: newValue) }
    }
    /// `token.issued_at` of a token response (issue or validation): Keystone's revocation check
    /// names it in SQL, which ties a validation's statements to it.
    package var tokenIssuedAt: String? {
        get { keystone?.tokenIssuedAt }
        set { OpenStackCall.set(&keystone, \.tokenIssuedAt, to: newValue) }
    }

    // Glance
    /// The image the call is about: from the path, the `Location` header or the response JSON.
    package var imageID: String?
    /// From the request or response JSON, or the path of a lookup by name (`GET /v2/images/NAME`).
    package var imageName: String?
    /// True when the path named the image by something that is not an id (lookup by name).
    package var isLookupByName = false
    /// `status` of the response's image JSON.
    package var imageStatus: String? {
        get { imageDetails?.imageStatus }
        set { OpenStackCall.set(&imageDetails, \.imageStatus, to: newValue) }
    }
    /// `size` of the response's image JSON.
    package var imageSize: Int64? {
        get { imageDetails?.imageSize }
        set { OpenStackCall.set(&imageDetails, \.imageSize, to: newValue) }
    }
    /// `checksum` (MD5, hex) of the response's image JSON.
    package var checksum: String? {
        get { imageDetails?.checksum }
        set { OpenStackCall.set(&imageDetails, \.checksum, to: newValue) }
    }
    /// `os_hash_algo` of the response's image JSON.
    package var osHashAlgo: String? {
        get { imageDetails?.osHashAlgo }
        set { OpenStackCall.set(&imageDetails, \.osHashAlgo, to: newValue) }
    }
    /// `os_hash_value` of the response's image JSON.
    package var osHashValue: String? {
        get { imageDetails?.osHashValue }
        set { OpenStackCall.set(&imageDetails, \.osHashValue, to: newValue) }
    }
    /// `disk_format` of the response's image JSON.
    package var diskFormat: String? {
        get { imageDetails?.diskFormat }
        set { OpenStackCall.set(&imageDetails, \.diskFormat, to: newValue) }
    }
    /// `container_format` of the response's image JSON.
    package var containerFormat: String? {
        get { imageDetails?.containerFormat }
        set { OpenStackCall.set(&imageDetails, \.containerFormat, to: newValue) }
    }
    /// `visibility` of the response's image JSON.
    package var visibility: String? {
        get { imageDetails?.visibility }
        set { OpenStackCall.set(&imageDetails, \.visibility, to: newValue) }
    }
    /// Every scalar member of the response's image JSON (custom properties included), as text.
    package var imageFields: [String: String] {
        get { imageDetails?.imageFields ?? [:] }
        set { OpenStackCall.set(&imageDetails, \.imageFields, to: newValue) }
    }
    /// Ids of an `image-list` response body, in order. Not kept on the call: the timeline does
    /// not read them, and a monitoring loop makes hundreds of thousands of lists.
    package static func listedImageIDs(in body: HTTPBody?) -> [String] {
        body?.json?["images"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }
    /// The JSON-patch operations of an `image-update` request.
    package var patchOperations: [OpenStackPatchOperation] {
        get { imageDetails?.patchOperations ?? [] }
        set { OpenStackCall.set(&imageDetails, \.patchOperations, to: newValue) }
    }
    /// The task a `/v2/tasks/{task}` call names, or the id of the task a response created.
    package var taskID: String? {
        get { imageDetails?.taskID }
        set { OpenStackCall.set(&imageDetails, \.taskID, to: newValue) }
    }
    /// The member a `/v2/images/{image}/members/{member}` call names.
    package var memberID: String? {
        get { imageDetails?.memberID }
        set { OpenStackCall.set(&imageDetails, \.memberID, to: newValue) }
    }
    /// The tag a `/v2/images/{image}/tags/{tag}` call adds or removes.
    package var tag: String? {
        get { imageDetails?.tag }
        set { OpenStackCall.set(&imageDetails, \.tag, to: newValue) }
    }

    // Swift
    /// The account (`AUTH_...`) of a Swift path.
    package var swiftAccount: String? {
        get { swiftDetails?.swiftAccount }
        set { OpenStackCall.set(&swiftDetails, \.swiftAccount, to: newValue) }
    }
    /// The container of a Swift path.
    package var swiftContainer: String? {
        get { swiftDetails?.swiftContainer }
        set { OpenStackCall.set(&swiftDetails, \.swiftContainer, to: newValue) }
    }
    /// The object of a Swift path.
    package var swiftObject: String? {
        get { swiftDetails?.swiftObject }
        set { OpenStackCall.set(&swiftDetails, \.swiftObject, to: newValue) }
    }
    /// `Etag` of a Swift response: the MD5 of the object written or read (quoted for a large
    /// object's manifest, where it is the MD5 of its segments' ETags).
    package var swiftETag: String? {
        get { swiftDetails?.swiftETag }
        set { OpenStackCall.set(&swiftDetails, \.swiftETag, to: newValue) }
    }
    /// `X-Object-Manifest`: `<container>/<prefix>` of a dynamic large object's segments.
    package var swiftManifest: String? {
        get { swiftDetails?.swiftManifest }
        set { OpenStackCall.set(&swiftDetails, \.swiftManifest, to: newValue) }
    }
    /// `X-Trans-Id` of a Swift response, the id in the proxy's log.
    package var swiftTransID: String? {
        get { swiftDetails?.swiftTransID }
        set { OpenStackCall.set(&swiftDetails, \.swiftTransID, to: newValue) }
    }

    // What only some calls fill (a token call's identities, an image document's state, a Swift
    // object's names), in three groups stored apart: nil until a member is set, and again when
    // every member is empty, so that equal calls are equal whatever was set and cleared. As
    // members of the call, the thirty of them were released one by one for every call, most of
    // them nil (a fiftieth of `sql` on the API capture, issue 25).
    private var keystone: KeystoneDetails?
    private var imageDetails: ImageDetails?
    private var swiftDetails: SwiftDetails?

    /// The identities a route captured from the path.
    private mutating func readCaptures(_ captures: [String: String]) {
        if let reference = captures["image"] {
            if OpenStackCall.looksLikeID(reference) {
                imageID = reference
            } else {
                imageName = reference
                isLookupByName = true
            }
        }
        taskID = captures["task"]
        memberID = captures["member"]
        tag = captures["tag"]
        swiftAccount = captures["account"]
        swiftContainer = captures["container"]
        if service == .swift, let object = captures["**"], !object.isEmpty { swiftObject = object }
    }

    /// The operation of the first row of `routes` that matches, and what it captured.
    static func classify(service: OpenStackService, method: String, path: String,
                         routes: [OpenStackRoute]) -> OpenStackRouteCache.Match {
        let segments = OpenStackRoute.segments(of: path)
        // By index: a row is not copied (five references retained) just to be skipped.
        for i in routes.indices where routes[i].service == service {
            if let matched = routes[i].match(method: method, pathSegments: segments) {
                return OpenStackRouteCache.Match(operation: routes[i].operationName(captures: matched), captures: matched)
            }
        }
        return OpenStackRouteCache.Match(operation: .other, captures: [:])
    }

    /// The request headers a call reads, found in one pass over the fields.
    struct RequestHeaders {
        var requestID: String?
        var userAgent: String?
        var traceInfo: String?
        var authToken: String?
        var subjectToken: String?

        mutating func read(_ headers: [HTTPHeader]) {
            for header in headers {
                let name = header.name
                // Names of other lengths are passed over without a comparison.
                switch name.utf8.count {
                case 10:
                    if userAgent == nil, HTTPHeader.sameName(name, "User-Agent") { userAgent = header.value }
                case 12:
                    if authToken == nil, HTTPHeader.sameName(name, "X-Auth-Token") {
                        authToken = header.value
                    } else if traceInfo == nil, HTTPHeader.sameName(name, "X-Trace-Info") {
                        traceInfo = header.value
                    }
                case 15:
                    if subjectToken == nil, HTTPHeader.sameName(name, "X-Subject-Token") { subjectToken = header.value }
                case 22:
                    if requestID == nil, HTTPHeader.sameName(name, "X-Openstack-Request-Id") { requestID = header.value }
                default:
                    break
                }
            }
        }
    }

    /// The response headers a call reads, found in one pass over the fields (two searches of
    /// them before).
    struct ResponseHeaders {
        var requestID: String?
        var subjectToken: String?
        var location: String?

        mutating func read(_ headers: [HTTPHeader]) {
            for header in headers {
                let name = header.name
                switch name.utf8.count {
                case 8:
                    if location == nil, HTTPHeader.sameName(name, "Location") { location = header.value }
                case 15:
                    if subjectToken == nil, HTTPHeader.sameName(name, "X-Subject-Token") { subjectToken = header.value }
                case 22:
                    if requestID == nil, HTTPHeader.sameName(name, "X-Openstack-Request-Id") { requestID = header.value }
                default:
                    break
                }
            }
        }
    }

    /// A Glance image id (UUID) or a Keystone id (32 hex digits).
    static func looksLikeID(_ text: String) -> Bool {
        let bytes = text.utf8
        func isHex(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
        }
        let count = bytes.count
        if count == 32 { return bytes.allSatisfy(isHex) }
        guard count == 36 else { return false }
        for (i, byte) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !isHex(byte) {
                return false
            }
        }
        return true
    }
}

extension OpenStackCall {
    /// Classifies an exchange.
    /// - Parameters:
    ///   - serverPort: the port that identifies the service; defaults to the exchange's server
    ///     port (pass the backend port when a proxy's front port differs).
    ///   - routes: the classification table, first match wins.
    ///   - ports: which ports mean which service.
    ///   - cache: recent classifications of the standard table (ignored with another `routes`).
    package init(exchange: borrowing HTTPExchange, serverPort: UInt16? = nil, routes: [OpenStackRoute] = OpenStackRoute.standardTable,
                ports: OpenStackServicePorts = .standard, cache: OpenStackRouteCache? = nil) {
        self = OpenStackCall.reading(exchange, serverPort: serverPort, routes: routes, ports: ports, cache: cache)
    }

    /// `init(exchange:serverPort:routes:ports:cache:)` as a function: the value is built in a
    /// local and moved out. An initialiser of a struct this size copied its whole `self` at the
    /// end (every member retained and released), for each of hundreds of thousands of calls.
    package static func reading(_ exchange: borrowing HTTPExchange, serverPort: UInt16? = nil,
                                routes: [OpenStackRoute] = OpenStackRoute.standardTable,
                                ports: OpenStackServicePorts = .standard, cache: OpenStackRouteCache? = nil) -> OpenStackCall {
        reading(exchange, portService: ports.service(for: serverPort ?? exchange.server.port), routes: routes, cache: cache)
    }

    /// Whether `reading(_:portService:...)` with the standard routes may read the response body
    /// of a request with this method and path, on a connection whose server port names
    /// `portService`: all but Glance's image lists (`image-list`, `readGlance` reads no list).
    /// Only the exact path is told apart (the service found as `reading` finds it): any other
    /// spelling is read, as before.
    package static func readsResponseBody(portService: OpenStackService?) -> @Sendable (_ method: String, _ path: String) -> Bool {
        { method, path in
            guard method == "GET", path == "/v2/images" else { return true }
            return (portService ?? OpenStackRoute.service(forPath: path) ?? .other) != .glance
        }
    }

    /// `reading(_:serverPort:routes:ports:cache:)` with the service its server port names
    /// already looked up (once per connection: three set look-ups per call before).
    package static func reading(_ exchange: borrowing HTTPExchange, portService: OpenStackService?,
                                routes: [OpenStackRoute] = OpenStackRoute.standardTable,
                                cache: OpenStackRouteCache? = nil) -> OpenStackCall {
        // The exchange is borrowed and read in place: a copy of it (or of its request) retained
        // every string and array it holds, for each of hundreds of thousands of calls.
        let method = exchange.request?.method ?? "-"
        let path = exchange.request?.path ?? "-"
        let service = portService ?? OpenStackRoute.service(forPath: path) ?? .other
        // The request's headers in one pass (the first of each name, as `value(for:)` gives).
        var request = OpenStackCall.RequestHeaders()
        if let headers = exchange.request?.headers { request.read(headers) }

        let classified: OpenStackRouteCache.Match
        if let cache, cache.isStandard(routes) {
            classified = cache.match(OpenStackRouteCache.Key(service: service, method: method, path: path)) {
                OpenStackCall.classify(service: service, method: method, path: path, routes: routes)
            }
        } else {
            classified = OpenStackCall.classify(service: service, method: method, path: path, routes: routes)
        }
        var response = OpenStackCall.ResponseHeaders()
        if let headers = exchange.response?.headers { response.read(headers) }
        // The implicit memberwise initialiser builds the value in place (an explicit one copied it).
        var call = OpenStackCall(
            service: service, operation: classified.operation, method: method, path: path, status: exchange.status,
            requestID: response.requestID ?? request.requestID,
            userAgent: request.userAgent,
            trace: request.traceInfo.flatMap(OpenStackTraceInfo.init(header:)),
            tokenFingerprint: request.authToken.flatMap(SecretMask.fingerprint(inMasked:)),
            subjectTokenFingerprint: response.subjectToken.flatMap(SecretMask.fingerprint(inMasked:))
                ?? request.subjectToken.flatMap(SecretMask.fingerprint(inMasked:)))
        // Most calls capture nothing (lists, token calls): no look-ups then.
        if !classified.captures.isEmpty { call.readCaptures(classified.captures) }
        switch service {
        case .keystone: call.readKeystone(exchange)
        case .glance: call.readGlance(exchange, location: response.location)
        case .swift: call.readSwift(exchange)
        case .other: break
        }
        return consume call
    }
}


/// One operation of a JSON-patch (RFC 6902) body, as Glance's `image-update` takes.
package struct OpenStackPatchOperation: Sendable, Hashable, CustomStringConvertible {
    /// `add`, `replace` or `remove`.
    package var op: String
    /// The JSON pointer it applies to (`/hw_architecture`).
    package var path: String
    /// The value as JSON text (strings unquoted), nil for `remove`.
    package var value: String?
    /// One operation.
    package init(op: String, path: String, value: String?) {
        self.op = op
        self.path = path
        self.value = value
    }
    /// `replace /name=cirros`, `remove /tag`: as the reports print it.
    package var description: String { value.map { "\(op) \(path)=\($0)" } ?? "\(op) \(path)" }
}

/// Members of `OpenStackCall` that few calls fill, stored apart (see `OpenStackCall.keystone`).
protocol OpenStackCallDetails: Hashable, Sendable {
    init()
}

extension OpenStackCall {
    struct KeystoneDetails: OpenStackCallDetails {
        var authMethods: [String] = []
        var userName: String?
        var userID: String?
        var userDomainName: String?
        var projectName: String?
        var projectID: String?
        var projectDomainName: String?
        var domainName: String?
        var tokenExpiresAt: String?
        var tokenIssuedAt: String?
    }
}

extension OpenStackCall {
    struct ImageDetails: OpenStackCallDetails {
        var imageStatus: String?
        var imageSize: Int64?
        var checksum: String?
        var osHashAlgo: String?
        var osHashValue: String?
        var diskFormat: String?
        var containerFormat: String?
        var visibility: String?
        var imageFields: [String: String] = [:]
        var patchOperations: [OpenStackPatchOperation] = []
        var taskID: String?
        var memberID: String?
        var tag: String?
    }
}

extension OpenStackCall {
    struct SwiftDetails: OpenStackCallDetails {
        var swiftAccount: String?
        var swiftContainer: String?
        var swiftObject: String?
        var swiftETag: String?
        var swiftManifest: String?
        var swiftTransID: String?
    }
}

extension OpenStackCall {
    /// Sets a member of a group: the group is made for a value that is not empty and dropped
    /// when setting leaves it empty (see `keystone`).
    fileprivate static func set<Group: OpenStackCallDetails, Value>(_ group: inout Group?, _ member: WritableKeyPath<Group, Value?>,
                                                                     to value: Value?) {
        if value == nil, group == nil { return }
        set(&group) { $0[keyPath: member] = value }
    }

    fileprivate static func set<Group: OpenStackCallDetails, Value: Collection>(_ group: inout Group?,
                                                                                 _ member: WritableKeyPath<Group, Value>,
                                                                                 to value: Value) {
        if value.isEmpty, group == nil { return }
        set(&group) { $0[keyPath: member] = value }
    }

    private static func set<Group: OpenStackCallDetails>(_ group: inout Group?, _ change: (inout Group) -> Void) {
        var changed = group ?? Group()
        change(&changed)
        group = changed == Group() ? nil : changed
    }
}
