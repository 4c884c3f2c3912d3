import Testing
@testable import HTTPDecoding

/// Secrets never appear in an exchange; fingerprints link two uses of one token.
@Suite struct SecretMaskTests {
    /// The shortcut for bodies without secrets: whenever it says there is nothing to mask, the
    /// masked copy equals the document; and it sees secrets at any depth and in any case.
    @Test func bodiesWithoutSensitiveMembersNeedNoMask() throws {
        let documents = [
            #"{"images": [{"id": "a", "name": "n", "status": "active"}], "schema": "/v2/schemas/images"}"#,
            #"[1, "two", {"three": [null, true, {"four": 4}]}]"#,
            #"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "s3cret"}}}}}"#,
            #"{"a": [{"b": {"Token": {"id": "abc"}}}]}"#,
            #"{"toKen": "kelvin"}"#,
            #"{"credential": null, "secret": false}"#,
            #""just a string""#,
        ]
        var sensitive = 0
        for text in documents {
            let document = try JSONDocument(parsing: Array(text.utf8), maxDepth: 64)
            if SecretMask.containsSensitiveMember(document) {
                sensitive += 1
            } else {
                #expect(SecretMask.mask(document) == document, "\(text)")
            }
        }
        #expect(sensitive == 4)
    }

    @Test func fingerprintIsTheSHA256Prefix() {
        // sha256("abc") = ba7816bf 8f01cfea ...
        #expect(SecretMask.fingerprint(of: "abc") == "ba7816bf")
        #expect(SecretMask.masked("abc") == "<masked sha256:ba7816bf>")
        #expect(SecretMask.fingerprint(inMasked: "<masked sha256:ba7816bf>") == "ba7816bf")
        #expect(SecretMask.fingerprint(inMasked: "abc") == nil)
    }

    @Test func keystoneConversationLeaksNoSecret() {
        let token = "gAAAAABrBgvAT1GYzyPerekmSkzrXLsRNsGZU5NGDqo5Fvph7UrD9L60UOr13sUSQ7aio1jV7"
        let otherToken = "gAAAAABrBgvXSERVICE"
        let password = "s3cr3t-Pa55"
        let authBody = """
        {"auth": {"identity": {"methods": ["password", "token"], "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "\(password)"}}, "token": {"id": "\(otherToken)"}}, "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}, "application_credential": {"id": "ac1", "secret": "acsecret"}, "credential": "blob"}
        """
        let h = DecoderHarness()
        h.send("POST /v3/auth/tokens HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Basic YWRtaW46cGFzcw==\r\nCookie: session=abc123\r\nContent-Length: \(authBody.utf8.count)\r\n\r\n\(authBody)", .clientToServer)
        let reply = "{\"token\": {\"methods\": [\"password\"], \"expires_at\": \"2026-11-24T23:12:16.000000Z\", \"user\": {\"name\": \"admin\"}}}"
        h.send("HTTP/1.1 201 Created\r\nX-Subject-Token: \(token)\r\nSet-Cookie: id=\(token); Path=/\r\nContent-Type: application/json\r\nContent-Length: \(reply.utf8.count)\r\n\r\n\(reply)", .serverToClient)
        h.send("GET /v3/auth/tokens HTTP/1.1\r\nX-Auth-Token: \(token)\r\nX-Subject-Token: \(token)\r\nX-Service-Token: \(otherToken)\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nX-Subject-Token: \(token)\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        let dump = "\(h.exchanges)"
        for secret in [token, otherToken, password, "YWRtaW46cGFzcw==", "abc123", "acsecret", "blob"] {
            #expect(!dump.contains(secret), "\(secret) leaked")
        }
        let issue = h.exchanges[0]
        let json = issue.request?.body.json
        #expect(json?.value(at: ["auth", "identity", "password", "user", "name"])?.stringValue == "admin")
        #expect(json?.value(at: ["auth", "identity", "password", "user", "password"])?.stringValue == SecretMask.masked(password))
        #expect(json?.value(at: ["auth", "identity", "token", "id"])?.stringValue == SecretMask.masked(otherToken))
        #expect(json?.value(at: ["auth", "identity", "methods"]) == .array([.string("password"), .string("token")]))
        #expect(json?.value(at: ["application_credential", "id"])?.stringValue == "ac1")
        // The response's token object is kept (its expiry matters), it holds no id.
        #expect(issue.response?.body.json?.value(at: ["token", "expires_at"])?.stringValue == "2026-11-24T23:12:16.000000Z")
        #expect(issue.response?.body.text == reply)
        // One token, one fingerprint, wherever it appears.
        let fingerprint = SecretMask.fingerprint(of: token)
        #expect(issue.subjectTokenFingerprint == fingerprint)
        #expect(h.exchanges[1].authTokenFingerprint == fingerprint)
        #expect(h.exchanges[1].request?.headers.fingerprint(for: "x-subject-token") == fingerprint)
        #expect(issue.request?.headers.value(for: "Authorization")?.hasPrefix("<masked sha256:") == true)
    }

    @Test func unparseableBodyMentioningASecretIsMaskedWhole() {
        let h = DecoderHarness()
        let body = "username=admin&password=hunter2"
        h.send("POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)", .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(h.exchanges.first?.request?.body.text == SecretMask.masked(body))
    }

    @Test func truncatedJSONWithASecretIsMaskedWhole() {
        var configuration = HTTPDecoderConfiguration.hashingImageUploads
        configuration.maxKeptBodyBytes = 30
        let h = DecoderHarness(configuration: configuration)
        let body = "{\"auth\": {\"password\": \"hunter2-and-more-text\"}}"
        h.send("POST /v3/auth/tokens HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\(String(body.utf8.count, radix: 16))\r\n\(body)\r\n0\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        let text = h.exchanges.first?.request?.body.text ?? ""
        #expect(!text.contains("hunter2"))
        #expect(h.exchanges.first?.request?.body.isTruncated == true)
    }

    /// Every token and password on the wire of the real captures (found by scanning the raw
    /// fixture bytes, not by the decoder) is absent from the decoded exchanges, and each token's
    /// fingerprint is there instead.
    @Test(arguments: HTTPFixture.scenarios)
    func realCapturesLeakNoSecret(scenario: String) throws {
        let fixture = try HTTPFixture(scenario: scenario)
        var secrets = Set<String>()
        for event in fixture.events {
            guard case .data(_, _, _, let bytes) = event else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            for line in text.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character
                let lower = line.lowercased()
                for name in ["x-auth-token: ", "x-subject-token: ", "x-service-token: "] where lower.hasPrefix(name) {
                    secrets.insert(String(line.dropFirst(name.count)))
                }
            }
            // "password": "..." members of Keystone requests.
            var rest = Substring(text)
            while let range = rest.range(of: "\"password\": \"") {
                let after = rest[range.upperBound...]
                if let close = after.firstIndex(of: "\"") { secrets.insert(String(after[..<close])) }
                rest = after
            }
        }
        #expect(secrets.count >= 3)
        let exchanges = fixture.decode().exchanges
        let dump = "\(exchanges)"
        for secret in secrets where !secret.isEmpty {
            #expect(!dump.contains(secret))
            if secret.count > 40 { #expect(dump.contains(SecretMask.masked(secret))) }
        }
    }
}

/// `http[].query` (issue 18, item 8) keeps the query but not its secrets.
struct QueryMaskTests {
    @Test func secretParametersAreMasked() {
        #expect(SecretMask.maskedQuery("limit=20&marker=abc") == "limit=20&marker=abc")
        #expect(SecretMask.maskedQuery("password=hunter2&user=admin") == "password=\(SecretMask.masked("hunter2"))&user=admin")
        #expect(SecretMask.maskedQuery("X-Auth-Token=gAAAA&a") == "X-Auth-Token=\(SecretMask.masked("gAAAA"))&a")
        #expect(SecretMask.maskedQuery("access_token=t1&client_secret=s") == "access_token=\(SecretMask.masked("t1"))&client_secret=\(SecretMask.masked("s"))")
        #expect(SecretMask.maskedQuery("token=") == "token=")
        #expect(SecretMask.maskedQuery("") == "")
    }

    /// The shortcut for queries that name no secret word (issue 25) changes nothing: mixed case,
    /// a word at either end, and a non-ASCII name (the Kelvin sign lowercases to `k`) still mask.
    @Test func theShortcutMasksWhatTheFullPathMasks() {
        #expect(SecretMask.maskedQuery("limit=5&marker=9c1e") == "limit=5&marker=9c1e")
        #expect(SecretMask.maskedQuery("a=1&PassWord=x") == "a=1&PassWord=\(SecretMask.masked("x"))")
        #expect(SecretMask.maskedQuery("CREDENTIAL=c") == "CREDENTIAL=\(SecretMask.masked("c"))")
        #expect(SecretMask.maskedQuery("to\u{212A}en=t") == "to\u{212A}en=\(SecretMask.masked("t"))")
        #expect(!SecretMask.mayNameSecret("limit=5&sort=name:asc"))
        #expect(SecretMask.mayNameSecret("x=tOkEn"))
    }
}
