import Testing
@testable import HTTPDecoding

/// Two shortcuts of the per-call path (issue 25) that must not change what a message says: field
/// values a connection repeats are the string of the last one (`HTTPRepeatedFieldValues`), and an
/// ASCII body is kept as bytes and made text only when read (`HTTPBody`).
@Suite struct RepeatedValuesAndKeptBodiesTests {
    /// Requests on one connection whose kept fields change, come back, and sit next to fields
    /// that are not kept: each exchange has exactly its own values.
    @Test func repeatedFieldValuesAreEachMessagesOwn() {
        let h = DecoderHarness()
        let agents = ["python-glanceclient/4.0.0 keystoneauth1", "python-glanceclient/4.0.0 keystoneauth1",
                      "python-glanceclient/4.0.1 keystoneauth1", "python-glanceclient/4.0.0 keystoneauth1", "curl/8.5.0"]
        // The third of each: as long as the one before it, one byte apart.
        let types = ["application/json", "application/json", "application/jsoN", "application/json", "application/json"]
        for (i, agent) in agents.enumerated() {
            h.send("GET /v2/images/\(i) HTTP/1.1\r\nHost: glance.internal.example:9292\r\nUser-Agent: \(agent)\r\n"
                   + "Accept: application/json, */*;q=0.5\r\nX-Auth-Token: gAAAAAB-token-number-\(i)\r\n\r\n", .clientToServer)
            h.send("HTTP/1.1 200 OK\r\nContent-Type: \(types[i])\r\nContent-Length: 2\r\n"
                   + "X-Openstack-Request-Id: req-0000000000000000000\(i)\r\nServer: Apache/2.4.58 (Ubuntu) mod_wsgi\r\n\r\n{}",
                   .serverToClient)
        }
        #expect(h.exchanges.count == agents.count)
        for (i, e) in h.exchanges.enumerated() {
            let request = e.request?.headers ?? []
            #expect(request.value(for: "User-Agent") == agents[i])
            #expect(request.value(for: "Host") == "glance.internal.example:9292")
            #expect(request.value(for: "Accept") == "application/json, */*;q=0.5")
            #expect(request.value(for: "X-Auth-Token") == SecretMask.masked("gAAAAAB-token-number-\(i)"))
            let response = e.response?.headers ?? []
            #expect(response.value(for: "Content-Type") == types[i])
            #expect(response.value(for: "X-Openstack-Request-Id") == "req-0000000000000000000\(i)")
            #expect(response.value(for: "Server") == "Apache/2.4.58 (Ubuntu) mod_wsgi")
        }
        // The repeat is the earlier string itself, not a copy of its bytes.
        func storage(_ text: String?) -> UnsafeRawPointer? {
            text?.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        let agent = h.exchanges.map { storage($0.request?.headers.value(for: "User-Agent")) }
        #expect(agent[0] != nil && agent[0] == agent[1])
        #expect(agent[2] != agent[1] && agent[3] != agent[1])
        let server = h.exchanges.map { storage($0.response?.headers.value(for: "Server")) }
        #expect(Set(server).count == 1)
    }

    /// Other connections (and each direction) keep values of their own.
    @Test func eachDirectionAndConnectionKeepsItsOwnValues() {
        let a = DecoderHarness(), b = DecoderHarness()
        a.send("GET / HTTP/1.1\r\nUser-Agent: first-agent-longer-than-15\r\n\r\n", .clientToServer)
        b.send("GET / HTTP/1.1\r\nUser-Agent: second-agent-longer-than-15\r\n\r\n", .clientToServer)
        a.send("HTTP/1.1 204 No Content\r\nUser-Agent: answer-agent-longer-than-15\r\n\r\n", .serverToClient)
        b.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        a.send("GET / HTTP/1.1\r\nUser-Agent: first-agent-longer-than-15\r\n\r\n", .clientToServer)
        a.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(a.exchanges.map { $0.request?.headers.value(for: "User-Agent") }
                == ["first-agent-longer-than-15", "first-agent-longer-than-15"])
        #expect(a.exchanges.first?.response?.headers.value(for: "User-Agent") == "answer-agent-longer-than-15")
        #expect(b.exchanges.first?.request?.headers.value(for: "User-Agent") == "second-agent-longer-than-15")
    }

    /// ASCII, other UTF-8 and bytes that are not UTF-8: what a body reads as, and its masking.
    @Test func keptBodiesReadAsTheyCame() {
        let h = DecoderHarness()
        func exchange(_ body: [UInt8], type: String = "application/json") -> HTTPExchange? {
            h.send("POST /v2/images HTTP/1.1\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\n\r\n", .clientToServer)
            h.send(body, .clientToServer)
            h.send("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", .serverToClient)
            return h.exchanges.last
        }
        let ascii = exchange(Array("{\"name\": \"cirros\", \"disk_format\": \"qcow2\"}".utf8))
        #expect(ascii?.request?.body.text == "{\"name\": \"cirros\", \"disk_format\": \"qcow2\"}")
        #expect(ascii?.request?.body.json?["name"]?.stringValue == "cirros")
        #expect(ascii?.request?.body.disposition == .kept)

        let accented = exchange(Array("{\"name\": \"café ☕\"}".utf8))
        #expect(accented?.request?.body.text == "{\"name\": \"café ☕\"}")
        #expect(accented?.request?.body.json?["name"]?.stringValue == "café ☕")

        let secret = exchange(Array("{\"auth\": {\"password\": \"hunter2-secret\"}}".utf8))
        #expect(secret?.request?.body.text?.contains("hunter2-secret") == false)
        #expect(secret?.request?.body.json?["auth"]?["password"]?.stringValue == SecretMask.masked("hunter2-secret"))

        let text = exchange(Array("plain words, long enough to pass eight bytes".utf8), type: "text/plain")
        #expect(text?.request?.body.text == "plain words, long enough to pass eight bytes")

        // A high byte at every position of an eight-byte step: never ASCII, never UTF-8.
        for position in 0..<9 {
            var bytes = Array("{\"name\": \"x\"}".utf8)
            bytes.insert(0xFF, at: position)
            let broken = exchange(bytes)
            #expect(broken?.request?.body.disposition == .counted)
            #expect(broken?.request?.body.text == nil)
            #expect(broken?.anomalies.contains { $0.message.contains("not UTF-8") } == true)
        }
        #expect(HTTPBodyCollector.isASCII(UnsafeRawBufferPointer(start: nil, count: 0)))
    }
}

/// The token bytes of RFC 9110 5.6.2, every byte tested against the grammar's own list.
@Suite struct TokenCharacterTests {
    @Test func everyByteIsATokenCharacterExactlyWhenTheGrammarSaysSo() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        for byte in 0...255 {
            #expect(HTTPHead.isTokenCharacter(UInt8(byte)) == tchar.contains(UInt8(byte)), "byte \(byte)")
        }
    }
}
