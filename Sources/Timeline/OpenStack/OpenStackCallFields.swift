import HTTPDecoding

extension OpenStackCall {
    /// Identities of a Keystone token request and response.
    mutating func readKeystone(_ exchange: borrowing HTTPExchange) {
        guard operation.isTokenCall else { return }
        if let auth = exchange.request?.body.json?["auth"] {
            authMethods = auth.value(at: ["identity", "methods"])?.arrayValue?.compactMap(\.stringValue) ?? []
            let user = auth.value(at: ["identity", "password", "user"])
            userName = user?["name"]?.stringValue
            userID = user?["id"]?.stringValue
            userDomainName = user?.value(at: ["domain", "name"])?.stringValue ?? user?.value(at: ["domain", "id"])?.stringValue
            if let project = auth.value(at: ["scope", "project"]) {
                projectName = project["name"]?.stringValue
                projectID = project["id"]?.stringValue
                projectDomainName = project.value(at: ["domain", "name"])?.stringValue ?? project.value(at: ["domain", "id"])?.stringValue
            }
            domainName = auth.value(at: ["scope", "domain", "name"])?.stringValue
        }
        // The response describes the token: fill what the request did not say.
        if let token = exchange.response?.body.json?["token"] {
            tokenExpiresAt = token["expires_at"]?.stringValue
            tokenIssuedAt = token["issued_at"]?.stringValue
            if authMethods.isEmpty { authMethods = token["methods"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            userName = userName ?? token.value(at: ["user", "name"])?.stringValue
            userID = userID ?? token.value(at: ["user", "id"])?.stringValue
            userDomainName = userDomainName ?? token.value(at: ["user", "domain", "name"])?.stringValue
            projectName = projectName ?? token.value(at: ["project", "name"])?.stringValue
            projectID = projectID ?? token.value(at: ["project", "id"])?.stringValue
            projectDomainName = projectDomainName ?? token.value(at: ["project", "domain", "name"])?.stringValue
            domainName = domainName ?? token.value(at: ["domain", "name"])?.stringValue
        }
    }

    /// Image identity and state from the path, `Location`, the request and the response JSON.
    /// `location`: the response's `Location` (found with its other fields, `ResponseHeaders`).
    mutating func readGlance(_ exchange: borrowing HTTPExchange, location: String?) {
        if imageID == nil, let location {
            let locationPath = HTTPRequest(method: "GET", target: location, version: "", headers: []).path
            let segments = locationPath.split(separator: "/")
            if let index = segments.firstIndex(of: "images"), index + 1 < segments.count {
                let candidate = String(segments[index + 1])
                if OpenStackCall.looksLikeID(candidate) { imageID = candidate }
            }
        }
        // Bodies are parsed on demand (`HTTPBody.json`): read only those the operation needs.
        if operation == .imageUpdate, let operations = exchange.request?.body.json?.arrayValue {
            patchOperations = operations.compactMap { item in
                guard let op = item["op"]?.stringValue, let path = item["path"]?.stringValue else { return nil }
                let value = item["value"].map { $0.scalarText ?? $0.serialized }
                return OpenStackPatchOperation(op: op, path: path, value: value)
            }
            if let rename = patchOperations.last(where: { $0.path == "/name" && $0.op != "remove" }) { imageName = rename.value }
        }
        if operation == .imageCreate, let name = exchange.request?.body.json?["name"]?.stringValue { imageName = name }

        if operation == .imageList { return }
        guard let json = exchange.response?.body.json else { return }
        if operation.isTaskCall {
            taskID = taskID ?? json["id"]?.stringValue
            return
        }
        // An image document: it has an id and a status (create, show, update responses).
        guard let members = json.members, json["status"] != nil, let id = json["id"]?.stringValue else { return }
        if imageID == nil || isLookupByName { imageID = id }
        imageName = json["name"]?.stringValue ?? imageName
        imageStatus = json["status"]?.stringValue
        imageSize = json["size"]?.intValue
        checksum = json["checksum"]?.stringValue
        osHashAlgo = json["os_hash_algo"]?.stringValue
        osHashValue = json["os_hash_value"]?.stringValue
        diskFormat = json["disk_format"]?.stringValue
        containerFormat = json["container_format"]?.stringValue
        visibility = json["visibility"]?.stringValue
        for member in members {
            if let text = member.value.scalarText { imageFields[member.key] = text }
        }
    }
}

extension OpenStackCall {
    /// The object's store facts, and the image it holds: glance_store names an image's object
    /// after the image id (`<id>`, segments `<id>-00001`...).
    mutating func readSwift(_ exchange: borrowing HTTPExchange) {
        swiftETag = exchange.response?.headers.value(for: "Etag")
        // A manifest's PUT sends it; its GET and HEAD answer with it.
        swiftManifest = exchange.request?.headers.value(for: "X-Object-Manifest")
            ?? exchange.response?.headers.value(for: "X-Object-Manifest")
        swiftTransID = exchange.response?.headers.value(for: "X-Trans-Id")
        guard let object = swiftObject else { return }
        let name = ImageDataRoutes.segmentNumber(object)?.whole ?? object
        if OpenStackCall.looksLikeID(name), name.utf8.count == 36 { imageID = name }
    }
}
