import CaptureIO
import Foundation
import HTTPDecoding
import PacketDecoding
import Reassembly
import TestSupport
import Testing
@testable import Timeline

/// Replays `Fixtures/http/*.fixture` (tshark's view of the shared captures' HTTP streams) through
/// the HTTP decoder, for the classification tests.
enum OpenStackFixture {
    static let directory = ProjectPaths.fixtures.appendingPathComponent("http")

    static func endpoint(_ text: String) -> Endpoint {
        let parts = text.split(separator: ":")
        let address = parts[0].split(separator: ".").compactMap { UInt32($0) }.reduce(UInt32(0)) { $0 << 8 | $1 }
        return Endpoint(address: IPAddress(ipv4: address), port: UInt16(parts[1]) ?? 0)
    }

    /// Exchanges in request-start order.
    static func exchanges(_ scenario: String) throws -> [HTTPExchange] {
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(scenario).fixture")))
        var exchanges: [HTTPExchange] = []
        var decoders: [Int: HTTPConnectionDecoder] = [:]
        var i = 0
        while i < bytes.count {
            var end = i
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let f = String(decoding: bytes[i..<end], as: UTF8.self).split(separator: " ").map(String.init)
            i = end + 1
            guard f.count >= 3, let index = Int(f[1]) else { continue }
            let direction: FlowDirection = f[2] == "c" ? .clientToServer : .serverToClient
            func time(_ text: String) -> Timestamp { Timestamp(nanoseconds: Int64(text) ?? 0) }
            switch f[0] {
            case "connection":
                let info = ConnectionInfo(index: index, client: endpoint(f[2]), server: endpoint(f[3]),
                                          firstSeen: time(f[4]), sawHandshake: f[5] == "1")
                decoders[index] = HTTPConnectionDecoder(connection: info) { exchanges.append($0) }
            case "data":
                let count = Int(f[4]) ?? 0
                bytes[i..<(i + count)].withUnsafeBytes { decoders[index]?.receive($0, direction: direction, at: time(f[3])) }
                i += count + 1
            case "gap": decoders[index]?.gap(Int(f[4]) ?? 0, direction: direction, at: time(f[3]))
            case "fin": decoders[index]?.finished(direction: direction, at: time(f[3]))
            case "close": decoders[index]?.close(reason: .fin, statistics: ConnectionStatistics(), at: time(f[2]))
            default: break
            }
        }
        return exchanges.sorted { ($0.timing.requestStart ?? .zero) < ($1.timing.requestStart ?? .zero) }
    }

    static func truth(_ scenario: String) throws -> [String: Any] {
        try FixtureFile.jsonObject(in: directory, named: "\(scenario).truth.json")
    }
}

@Suite struct OpenStackCallTests {
    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func servicesMatchTheServerLogs(scenario: String) throws {
        let calls = try OpenStackFixture.exchanges(scenario).map { OpenStackCall(exchange: $0) }
        let logged = try OpenStackFixture.truth(scenario)["http_requests"] as? [[String: Any]] ?? []
        let decoded = calls.map { "\($0.service.rawValue) \($0.method) \($0.status ?? 0)" }.sorted()
        let expected = logged.map { "\($0["service"] as? String ?? "") \($0["method"] as? String ?? "") \($0["status"] as? Int ?? 0)" }.sorted()
        #expect(decoded == expected)
        #expect(!calls.contains { $0.operation == "other" })
    }

    @Test func seedScenarioOperationsAndImage() throws {
        let exchanges = try OpenStackFixture.exchanges("a-seed")
        let calls = exchanges.map { OpenStackCall(exchange: $0) }
        let image = (try OpenStackFixture.truth("a-seed")["images"] as? [[String: Any]])?.first ?? [:]
        let imageID = image["id"] as? String
        #expect(calls.filter { $0.service == .glance }.map(\.operation) ==
                ["versions", "image-create", "image-upload", "image-show", "versions", "image-show", "image-update", "versions", "image-list"])
        #expect(calls.filter { $0.service == .keystone }.map(\.operation) ==
                ["version-show", "token-issue", "version-discovery", "token-issue", "token-validate", "version-show",
                 "token-issue", "token-validate", "version-show", "token-issue", "token-validate"])

        let create = try #require(calls.first { $0.operation == "image-create" })
        #expect(create.imageID == imageID)  // from Location and the response JSON
        #expect(create.imageName == "overcloud-full-vmlinuz")
        #expect(create.imageStatus == "queued")
        #expect(create.diskFormat == "aki" && create.containerFormat == "bare" && create.visibility == "public")
        #expect(create.requestID?.hasPrefix("req-") == true)
        #expect(create.userAgent?.hasPrefix("openstacksdk/") == true)

        let upload = try #require(exchanges.first { OpenStackCall(exchange: $0).operation == "image-upload" })
        #expect(OpenStackCall(exchange: upload).imageID == imageID)

        let update = try #require(calls.first { $0.operation == "image-update" })
        #expect(update.patchOperations.contains(OpenStackPatchOperation(op: "add", path: "/hw_architecture", value: "x86_64")))
        #expect(update.imageFields["hw_architecture"] == "x86_64")
        #expect(update.imageStatus == "active")
        #expect(update.checksum == image["checksum"] as? String)
        #expect(update.osHashValue == image["os_hash_value"] as? String)
        #expect(update.osHashAlgo == "sha512")
        #expect(update.imageSize == Int64(image["size"] as? Int ?? -1))

        let list = try #require(calls.firstIndex { $0.operation == "image-list" })
        let listed = OpenStackCall.listedImageIDs(in: exchanges[list].response?.body)
        #expect(listed.contains(imageID ?? "?"))

        // Keystone: who asked, and until when the token holds.
        let issue = try #require(calls.first { $0.operation == "token-issue" })
        #expect(issue.authMethods == ["password"])
        #expect(issue.userName == "admin" && issue.projectName == "admin")
        #expect(issue.userDomainName == "Default")
        #expect(issue.tokenExpiresAt?.hasPrefix("2026-11-2") == true)
        #expect(issue.subjectTokenFingerprint?.count == 8)
        // Tokens link across services: every Glance call's token was issued by some token-issue,
        // and keystonemiddleware validates exactly those tokens.
        let issued = Set(calls.filter { $0.operation == "token-issue" }.compactMap(\.subjectTokenFingerprint))
        let used = calls.filter { $0.service == .glance && $0.operation != "versions" }.compactMap(\.tokenFingerprint)
        #expect(!used.isEmpty && used.allSatisfy { issued.contains($0) })
        let validated = calls.filter { $0.operation == "token-validate" }.compactMap(\.subjectTokenFingerprint)
        #expect(!validated.isEmpty && validated.allSatisfy { issued.contains($0) })
    }

    @Test func sequentialScenarioUploadsAndPatch() throws {
        let calls = try OpenStackFixture.exchanges("b-sequential").map { OpenStackCall(exchange: $0) }
        let images = try OpenStackFixture.truth("b-sequential")["images"] as? [[String: Any]] ?? []
        let created = calls.filter { $0.operation == "image-create" }
        #expect(created.map(\.imageName) == ["overcloud-full", "overcloud-full-initrd", "overcloud-full-vmlinuz"])
        #expect(Set(created.compactMap(\.imageID)) == Set(images.compactMap { $0["id"] as? String }))
        #expect(calls.filter { $0.operation == "image-upload" }.map(\.imageID) == created.map(\.imageID))
        let logged = try OpenStackFixture.truth("b-sequential")["http_requests"] as? [[String: Any]] ?? []
        #expect(calls.filter { $0.operation == "schemas" }.count == logged.filter { ($0["path"] as? String)?.hasPrefix("/v2/schemas/") == true }.count)
        let update = try #require(calls.first { $0.operation == "image-update" })
        #expect(update.userAgent == "python-glanceclient")
        let kernel = images.first { $0["name"] as? String == "overcloud-full-vmlinuz" }?["id"] as? String
        let ramdisk = images.first { $0["name"] as? String == "overcloud-full-initrd" }?["id"] as? String
        #expect(update.patchOperations.map(\.path).sorted() == ["/kernel_id", "/ramdisk_id"])
        #expect(update.patchOperations.first { $0.path == "/kernel_id" }?.value == kernel)
        #expect(update.patchOperations.first { $0.path == "/ramdisk_id" }?.value == ramdisk)
        #expect(update.imageFields["kernel_id"] == kernel)
    }

    @Test func lifecycleScenarioOperations() throws {
        let calls = try OpenStackFixture.exchanges("e-lifecycle").map { OpenStackCall(exchange: $0) }
        let operations = calls.filter { $0.service == .glance && !["versions", "image-show"].contains($0.operation) }
            .map { "\($0.operation) \($0.status ?? 0)" }
        #expect(operations == ["image-create 201", "image-upload 204", "image-download 200", "image-deactivate 204",
                               "image-download 403", "image-reactivate 204", "image-delete 204"])
        // Shows after the upload, around deactivation and after reactivation report the status then.
        let statuses = calls.filter { $0.operation == "image-show" }.compactMap(\.imageStatus)
        #expect(statuses.first == "active" && statuses.last == "active" && statuses.contains("deactivated"))
        // The refused download was made by the non-admin user "demo".
        #expect(calls.filter { $0.operation == "token-issue" }.compactMap(\.userName).contains("demo"))
        let id = (try OpenStackFixture.truth("e-lifecycle")["images"] as? [[String: Any]])?.first?["id"] as? String
        #expect(calls.filter { $0.service == .glance && $0.operation != "versions" }.allSatisfy { $0.imageID == id })
    }

    static func exchange(_ method: String, _ target: String, port: UInt16 = 9292, status: Int = 200,
                         requestHeaders: [HTTPHeader] = [], responseHeaders: [HTTPHeader] = [], responseJSON: String? = nil) -> HTTPExchange {
        var response = HTTPResponse(version: "HTTP/1.1", status: status, reason: "", headers: responseHeaders)
        if let responseJSON { response.body.json = try? JSONDocument(parsing: responseJSON) }
        return HTTPExchange(connection: 1, sequence: 0, client: OpenStackFixture.endpoint("10.0.0.1:40000"),
                            server: OpenStackFixture.endpoint("10.0.0.2:\(port)"),
                            request: HTTPRequest(method: method, target: target, version: "HTTP/1.1", headers: requestHeaders),
                            response: response,
                            timing: HTTPExchangeTiming(requestStart: Timestamp(nanoseconds: 5), responseEnd: Timestamp(nanoseconds: 9)))
    }

    @Test func lookupByName() {
        let call = OpenStackCall(exchange: Self.exchange("GET", "/v2/images/overcloud-full-vmlinuz", status: 404))
        #expect(call.operation == "image-show")
        #expect(call.imageName == "overcloud-full-vmlinuz")
        #expect(call.imageID == nil)
        #expect(call.isLookupByName)
        let encoded = OpenStackCall(exchange: Self.exchange("GET", "/v2/images/my%20image"))
        #expect(encoded.imageName == "my image")
    }

    @Test(arguments: [
        ("GET", "/v3/users", 5000, "keystone", "user-list"),
        ("GET", "/v3/projects/5b0f2bd1a5e54b65be0e1b8c1c6a4b4e", 5000, "keystone", "project-show"),
        ("GET", "/v3/policies", 13000, "keystone", "policy-list"),
        ("GET", "/v3/role_assignments?user.id=x", 5000, "keystone", "role-assignment-list"),
        ("DELETE", "/v3/auth/tokens", 5000, "keystone", "token-revoke"),
        ("HEAD", "/v3/auth/tokens", 35357, "keystone", "token-check"),
        ("GET", "/v3/auth/catalog", 4444, "keystone", "catalog"),           // by path shape
        ("POST", "/v2/images/x/import", 13292, "glance", "image-import"),
        ("PUT", "/v2/images/6411e9b8-13f1-4486-b07e-c92a375fd4cc/stage", 9292, "glance", "image-stage"),
        ("PUT", "/v2/images/i/tags/fast", 9292, "glance", "tag-add"),
        ("POST", "/v2/images/i/members", 9292, "glance", "member-create"),
        ("GET", "/v2/tasks/t1", 7777, "glance", "task-show"),               // by path shape
        ("GET", "/v2/schemas/images", 9292, "glance", "schemas"),
        ("GET", "/v2/info/import", 9292, "glance", "import-info"),
        ("PUT", "/v1/AUTH_acc/glance/6411e9b8-13f1-4486-b07e-c92a375fd4cc-00001", 8080, "swift", "object-upload"),
        ("GET", "/v1/AUTH_acc/glance/obj", 8080, "swift", "object-download"),
        ("PUT", "/v1/AUTH_acc/glance", 8080, "swift", "container-create"),
        ("HEAD", "/v1/AUTH_acc", 8080, "swift", "account-show"),
        ("GET", "/index.html", 80, "other", "other"),
    ] as [(String, String, UInt16, String, String)])
    func routeTable(method: String, target: String, port: UInt16, service: String, operation: String) {
        let call = OpenStackCall(exchange: Self.exchange(method, target, port: port))
        #expect(call.service.rawValue == service)
        #expect(call.operation.rawValue == operation)
    }

    @Test func swiftObjectParts() {
        let call = OpenStackCall(exchange: Self.exchange("PUT", "/v1/AUTH_acc/glance/a/b-00001", port: 8080))
        #expect(call.swiftAccount == "AUTH_acc" && call.swiftContainer == "glance" && call.swiftObject == "a/b-00001")
    }

    @Test func tableIsExtensible() {
        let routes = [OpenStackRoute(.glance, "POST", "/v2/images/{image}/actions/frobnicate", "image-frobnicate")] + OpenStackRoute.standardTable
        let call = OpenStackCall(exchange: Self.exchange("POST", "/v2/images/6411e9b8-13f1-4486-b07e-c92a375fd4cc/actions/frobnicate"), routes: routes)
        #expect(call.operation == "image-frobnicate")
        #expect(call.imageID == "6411e9b8-13f1-4486-b07e-c92a375fd4cc")
        // A proxy port mapped to a service.
        let ports = OpenStackServicePorts(glance: [9292, 443])
        #expect(OpenStackCall(exchange: Self.exchange("GET", "/", port: 443), ports: ports).operation == "versions")
        #expect(OpenStackCall(exchange: Self.exchange("GET", "/", port: 443), serverPort: 5000).operation == "version-discovery")
    }

    @Test func osprofilerTraceInfo() {
        // base64.urlsafe_b64encode(json.dumps({...})) in Python, as osprofiler's signed_pack does.
        let header = "eyJiYXNlX2lkIjogIjBhYzJiMGYzLTRlNGUtNGI0NC05ZDZiLTVlNGUwYzJjMWQxMSIsICJwYXJlbnRfaWQiOiAiN2QzYjdmMGUtMTExMS00MjIyLTgzMzMtOTQ0NDU1NTU2NjY2IiwgImhtYWNfa2V5IjogIlNFQ1JFVF9LRVkifQ=="
        let call = OpenStackCall(exchange: Self.exchange("GET", "/v2/images", requestHeaders: [HTTPHeader(name: "X-Trace-Info", value: header)]))
        #expect(call.trace?.baseID == "0ac2b0f3-4e4e-4b44-9d6b-5e4e0c2c1d11")
        #expect(call.trace?.parentID == "7d3b7f0e-1111-4222-8333-944455556666")
        #expect(call.trace?.fields["hmac_key"] == SecretMask.masked("SECRET_KEY"))
        #expect(OpenStackTraceInfo(header: "not base64!") == nil)
    }

    @Test func httpFactFromExchange() throws {
        let exchanges = try OpenStackFixture.exchanges("a-seed")
        let facts = HTTPFact.facts(from: exchanges)
        #expect(facts.count == 20)
        #expect(facts.map(\.index) == Array(0..<20))
        let upload = try #require(facts.first { $0.operation == "image-upload" })
        let exchange = exchanges[upload.index]
        #expect(upload.service == "glance" && upload.method == "PUT" && upload.status == 204)
        #expect(upload.time == exchange.timing.requestStart && upload.end == exchange.timing.responseEnd)
        #expect(upload.client == "127.0.0.1:\(exchange.client.port)" && upload.server == "127.0.0.1:9292")
        // The fixture keeps the first 8 KiB of the upload (head included); the rest is a recorded
        // gap. The fact counts the body the client sent, captured or not.
        #expect(upload.requestBytes == (exchange.request?.body.byteCount ?? 0) + (exchange.request?.body.missingBytes ?? 0))
        #expect(upload.requestBytes == 8_388_608)
        #expect(upload.requestComplete == false)
        #expect(upload.uploadMD5 == nil)
        #expect(upload.tokenFingerprint?.count == 8)
        let show = try #require(facts.last { $0.operation == "image-show" })
        #expect(show.reportedStatus == "active")
        #expect(show.reportedFields["checksum"] == "bd19b23c9415457bda40be50b9f0edb0")
        #expect(show.imageName == "overcloud-full-vmlinuz")
        let issue = try #require(facts.first { $0.operation == "token-issue" })
        #expect(issue.subjectTokenFingerprint?.count == 8 && issue.service == "keystone")
    }

    /// Path segments cut at `/` bytes are what `split(separator: "/")` gives, Unicode included.
    @Test func pathSegmentsMatchSplit() {
        for path in ["/v2/images", "/", "", "//a//b/", "/v1/AUTH_x/c/caf\u{E9}/\u{301}x", "a/b", "/v2/images/my%20image"] {
            #expect(OpenStackRoute.segments(of: path) == path.split(separator: "/"), "\(path)")
        }
    }
}

/// `OpenStackCall.readsResponseBody` tells the decoder which response bodies need not be kept
/// (issue 25): it must name only bodies `reading` never reads.
@Suite struct UnreadResponseBodyRouteTests {
    @Test func onlyGlanceImageListsAreUnread() {
        let glance = OpenStackCall.readsResponseBody(portService: .glance)
        #expect(!glance("GET", "/v2/images"))
        #expect(!OpenStackCall.readsResponseBody(portService: nil)("GET", "/v2/images"))
        #expect(glance("GET", "/v2/images/1") && glance("POST", "/v2/images") && glance("GET", "/v2/tasks")
            && glance("HEAD", "/v2/images"))
        #expect(OpenStackCall.readsResponseBody(portService: .keystone)("GET", "/v2/images"))
        #expect(OpenStackCall.readsResponseBody(portService: .swift)("GET", "/v2/images"))
    }

    /// The call read from an image list is the same whether its response body is there or not.
    @Test func anImageListIsReadTheSameWithoutItsBody() {
        let list = #"{"images": [{"id": "5a3b0a2e-97a5-4e0c-8b7e-7d1b7c8e0a11", "name": "cirros", "status": "active"}]}"#
        let with = OpenStackCallTests.exchange("GET", "/v2/images", responseJSON: list)
        var without = with
        without.response?.body = HTTPBody()
        #expect(with.response?.body.json != nil)
        let call = OpenStackCall(exchange: with)
        #expect(call.operation == .imageList)
        #expect(call == OpenStackCall(exchange: without))
    }
}
