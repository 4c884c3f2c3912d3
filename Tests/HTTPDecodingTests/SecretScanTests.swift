import Testing
@testable import HTTPDecoding

/// The scan that lets a body skip the parse and the mask (issue 25) must never clear a body that
/// the full path would mask.
@Suite struct SecretScanTests {
    private func scan(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { SecretMask.mayContainSensitiveMember($0) }
    }

    @Test func namesInAnyCaseEscapesAndNonASCIIAreSeen() {
        for text in [#"{"password": "x"}"#, #"{"a": {"PassWord": 1}}"#, #"{"SECRET": 1}"#, #"[{"tOkEn": {"id": "t"}}]"#,
                     #"{"credential": "c"}"#, #"{"pass\u0077ord": "x"}"#, #"{"to\u006ben": "x"}"#,
                     "{\"to\u{212A}en\": \"kelvin\"}", #"{"name": "é"}"#, "token", "xxsecretxx"] {
            #expect(scan(text), "\(text)")
        }
        for text in [#"{"images": [{"id": "a", "name": "img", "status": "active"}], "schema": "/v2/schemas/images"}"#,
                     #"{"a\"b": "c\\d\/e\n"}"#, #"{"passwor": "d", "toke": "n", "secre": "t", "credentia": "l"}"#, "", "p"] {
            #expect(!scan(text), "\(text)")
        }
    }

    /// Every object built from a pool of member names (sensitive ones in other cases, escaped,
    /// near misses) and value shapes: where the scan clears the body, the full path finds
    /// nothing to mask either; where the full path masks, the scan said so.
    @Test func theScanNeverClearsWhatTheMaskChanges() throws {
        let names = [#"name"#, #"id"#, #"Password"#, #"pass\u0077ord"#, #"tok\u0065n"#, #"secrets"#, #"my_credential"#,
                     #"toke"#, #"\u0074oken"#, #"TOKEN"#, #"passwd"#, #"\u00e9"#]
        let values = [#""v""#, #"12"#, #"{"id": "inner"}"#, #"["a", {"id": "b"}]"#, #"null"#]
        var masked = 0, cleared = 0
        for outer in names {
            for inner in names {
                for value in values {
                    let text = #"{"\#(outer)": {"\#(inner)": \#(value)}, "list": [\#(value)]}"#
                    let document = try JSONDocument(parsing: Array(text.utf8), maxDepth: 64)
                    let changes = SecretMask.mask(document) != document
                    if changes { masked += 1 }
                    if !scan(text) {
                        cleared += 1
                        #expect(!changes, "\(text)")
                        #expect(!SecretMask.containsSensitiveMember(document), "\(text)")
                    }
                }
            }
        }
        #expect(masked > 0 && cleared > 0)
    }

    @Test func anEscapedSecretNameIsStillMaskedByTheDecoder() {
        let h = DecoderHarness()
        let body = #"{"auth": {"pass\u0077ord": "hunter2", "name": "admin"}}"#
        h.send("POST /v3/auth/tokens HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)", .clientToServer)
        h.send("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        let request = h.exchanges.first?.request
        #expect(request?.body.text?.contains("hunter2") == false)
        #expect(request?.body.json?.value(at: ["auth", "password"])?.stringValue == SecretMask.masked("hunter2"))
        #expect(request?.body.json?.value(at: ["auth", "name"])?.stringValue == "admin")
    }

    /// A body without secrets keeps its text as sent and is parsed when read, to the document
    /// the eager parse made.
    @Test func aClearedBodyIsParsedWhenRead() throws {
        let h = DecoderHarness()
        let body = #"{"images": [{"id": "a", "name": "img"}], "schema": "/v2/schemas/images"}"#
        h.send("GET /v2/images HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)", .serverToClient)
        let response = h.exchanges.first?.response
        #expect(response?.body.text == body)
        #expect(response?.body.json == (try JSONDocument(parsing: Array(body.utf8), maxDepth: 64)))
        let broken = #"{"images": ["#
        h.send("GET /v2/images HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(broken.utf8.count)\r\n\r\n\(broken)", .serverToClient)
        #expect(h.exchanges.count == 2)
        #expect(h.exchanges.last?.response?.body.text == broken)
        #expect(h.exchanges.last?.response?.body.json == nil)
    }
}

extension SecretScanTests {
    /// The scan skips eight bytes at a time: a name, an escape or a non-ASCII byte is seen at
    /// every offset and every length around those blocks.
    @Test func seenAtEveryOffset() {
        for needle in ["password", "SECRET", "Token", "credential", #"\u0074"#, "é"] {
            for offset in 0..<20 {
                for tail in [0, 1, 7, 9] {
                    let text = String(repeating: "a", count: offset) + needle + String(repeating: "b", count: tail)
                    #expect(scan(text), "\(text)")
                }
            }
        }
        for length in 0..<40 {
            #expect(!scan(String(repeating: "{\"id\": \"x\"} ", count: length)))
        }
    }

    /// Unstructured text is masked whole when its ASCII letters name a secret (found by the byte
    /// scan, no lowercased copy), and still when only Unicode lowercasing makes one.
    @Test func unstructuredTextIsMaskedByTheByteScan() {
        #expect(SecretMask.maskUnstructured("user=admin&PASSWORD=x") == SecretMask.masked("user=admin&PASSWORD=x"))
        #expect(SecretMask.maskUnstructured("nothing to hide here") == nil)
        #expect(SecretMask.maskUnstructured("caf\u{E9} token") == SecretMask.masked("caf\u{E9} token"))
        #expect(SecretMask.maskUnstructured("to\u{212A}en") == SecretMask.masked("to\u{212A}en"))
        #expect(SecretMask.maskUnstructured("caf\u{E9}") == nil)
    }

    /// The mask built in one buffer is the documented form, with the fingerprint of the bytes.
    @Test func maskedFormAndFingerprintAgree() {
        let masked = SecretMask.masked("gAAAAABtoken")
        #expect(masked.hasPrefix("<masked sha256:") && masked.hasSuffix(">") && masked.utf8.count == 24)
        #expect(SecretMask.fingerprint(inMasked: masked) == SecretMask.fingerprint(of: "gAAAAABtoken"))
        #expect(SecretMask.fingerprint(of: "") == "e3b0c442")  // SHA-256 of nothing
        #expect(SecretMask.fingerprint(inMasked: "<masked sha256:1234567>") == nil)
        #expect(SecretMask.isSensitiveHeader("x-AUTH-token") && !SecretMask.isSensitiveHeader("X-Auth-Tokens"))
    }

    /// The look-up by length and first letter in front of the comparison: every sensitive name
    /// in three spellings is found; names of the same length with another first letter, or the
    /// same first letter and one byte changed, are not.
    @Test func sensitiveHeadersAreToldByLengthFirstLetterAndBytes() {
        for name in SecretMask.sensitiveHeaderNames {
            for spelling in [name, name.uppercased(), name.prefix(1).uppercased() + name.dropFirst()] {
                #expect(SecretMask.isSensitiveHeader(spelling), "\(spelling)")
            }
            let bytes = Array(name.utf8)
            var otherFirst = bytes
            otherFirst[0] = bytes[0] == UInt8(ascii: "q") ? UInt8(ascii: "r") : UInt8(ascii: "q")
            var otherLast = bytes
            otherLast[bytes.count - 1] = bytes[bytes.count - 1] == UInt8(ascii: "q") ? UInt8(ascii: "r") : UInt8(ascii: "q")
            for near in [otherFirst, otherLast, bytes + [UInt8(ascii: "s")], Array(bytes.dropLast())] {
                let text = String(decoding: near, as: UTF8.self)
                #expect(!SecretMask.isSensitiveHeader(text), "\(text)")
            }
        }
        for name in ["Content-Type", "User-Agent", "Host", "X-Openstack-Request-Id", "", String(repeating: "x", count: 70)] {
            #expect(!SecretMask.isSensitiveHeader(name), "\(name)")
        }
    }
}
