import CaptureIO
import HTTPDecoding
import PacketDecoding
import TestSupport
import Testing
@testable import Timeline

/// The two-pass fact writer (`HTTPFactEncoding.swift`) against the layout as it was written field
/// by field with the spill's `put` helpers before it (session 9's encoder, kept here as the
/// reference): the bytes must be identical, since the readers of the spill depend on them.
struct HTTPFactEncodingTests {
    /// Session 9's `HTTPFact.encode`, field by field.
    static func referenceBytes(_ fact: HTTPFact) -> [UInt8] {
        var out: [UInt8] = [7, 7, 7]  // bytes already in the buffer stay as they are
        out.put(SpilledFactHead(time: fact.time, end: fact.end, connection: fact.connection))
        for text in [fact.client, fact.server, fact.service, fact.operation.rawValue, fact.method, fact.path] { out.put(text) }
        out.put(fact.status.map(Int64.init))
        for text in [fact.imageID, fact.imageName, fact.reportedStatus] { out.put(text) }
        out.put(fact.reportedFields)
        out.put(fact.requestEnd.map(\.nanoseconds))
        out.put(Int64(fact.requestBytes))
        let flags = [fact.requestComplete, fact.tls, fact.inferred, fact.requestStreamEndedInBody]
        out.append(flags.enumerated().reduce(UInt8(0)) { $0 | ($1.element ? 1 << UInt8($1.offset) : 0) })
        for text in [fact.tokenFingerprint, fact.subjectTokenFingerprint, fact.requestID] { out.put(text) }
        out.put(Int64(fact.responseBytes))
        out.put(fact.notes)
        out.put(Int64(fact.requestWireBytes))
        out.put(fact.evidence)
        for side in [fact.minimumBytes?.request, fact.minimumBytes?.response] { out.put(side.map(Int64.init)) }
        out.put(fact.query)
        let transfer = fact.transfer
        out.put(Int64(transfer.responseBodyBytes))
        out.append(transfer.responseComplete ? 1 : 0)
        for text in [transfer.etag, transfer.objectManifest, transfer.transID] { out.put(text) }
        let proxy = fact.proxyEvidence
        for text in [proxy.target, proxy.host] { out.put(text) }
        for list in [proxy.xForwardedFor, proxy.forwarded, proxy.xForwardedProto] { out.put(list) }
        for count in [proxy.requestWireBytes, proxy.responseBodyBytes] { out.put(count.map(Int64.init)) }
        for count in [fact.bytesNotCaptured, fact.requestBytesNotCaptured] { out.put(Int64(count)) }
        out.put(fact.tokenIssuedAt)
        out.append(fact.messages == nil ? 0 : 1)
        if let messages = fact.messages {
            for text in [messages.request, messages.response] { out.put(text) }
        }
        return out
    }

    /// A fact with each optional member present or absent at random, texts of every length class
    /// (empty, small, long, non-ASCII).
    static func randomFact(_ i: Int, _ rng: inout SplitMix64) -> HTTPFact {
        func coin() -> Bool { rng.next() % 2 == 0 }
        func text(_ base: String) -> String {
            switch rng.next() % 4 {
            case 0: return ""
            case 1: return base
            case 2: return base + String(repeating: "x", count: Int(rng.next() % 300))
            default: return base + " é ✓ 日本"
            }
        }
        func maybe(_ base: String) -> String? { coin() ? nil : text(base) }
        func list(_ base: String) -> [String] { (0..<Int(rng.next() % 3)).map { text(base + "\($0)") } }
        let start = Int64(bitPattern: rng.next() % 1_000_000_000_000)
        var fact = HTTPFact(index: i, time: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: start &+ 77),
                            connection: Int(rng.next() % 100_000), client: text("10.0.0.1:4"), server: text("[fe80::1]:9292"),
                            service: text("glance"), operation: OpenStackOperation(rawValue: text("image-list")),
                            method: text("GET"), path: text("/v2/images"), status: coin() ? nil : Int(rng.next() % 600),
                            imageID: maybe("id"), imageName: maybe("name"), reportedStatus: maybe("active"),
                            reportedFields: coin() ? [:] : ["size": text("1"), "checksum": text("c"), "a": "", "é": text("v")],
                            requestBytes: Int(rng.next() % 1_000_000_000), requestComplete: coin(),
                            tokenFingerprint: maybe("0011aabb"), subjectTokenFingerprint: maybe("ffee0011"))
        fact.query = maybe("limit=5&marker=")
        fact.requestEnd = coin() ? nil : Timestamp(nanoseconds: start &+ 5)
        fact.requestID = maybe("req-")
        fact.tokenIssuedAt = maybe("2026-12-06T12:00:00.000000Z")
        fact.responseBytes = Int(rng.next() % 100_000)
        fact.tls = coin()
        fact.inferred = coin()
        fact.requestStreamEndedInBody = coin()
        fact.requestWireBytes = Int(rng.next() % 100_000)
        fact.evidence = list("evidence ")
        fact.minimumBytes = coin() ? nil : (Int(rng.next() % 1000), Int(rng.next() % 1000))
        fact.notes = list("note ")
        fact.transfer.responseBodyBytes = Int(rng.next() % 1000)
        fact.transfer.responseComplete = coin()
        fact.transfer.etag = maybe("\"etag\"")
        fact.transfer.objectManifest = maybe("segments/")
        fact.transfer.transID = maybe("tx")
        fact.proxyEvidence = HTTPProxyEvidence(target: maybe("/v2/images?limit=5"), host: maybe("glance"),
                                               xForwardedFor: list("10.1.1."), forwarded: list("for="),
                                               xForwardedProto: list("https"),
                                               requestWireBytes: coin() ? nil : Int(rng.next() % 1000),
                                               responseBodyBytes: coin() ? nil : Int(rng.next() % 1000))
        fact.bytesNotCaptured = Int(rng.next() % 1000)
        fact.requestBytesNotCaptured = Int(rng.next() % 1000)
        if coin() { fact.messages = HTTPMessageTexts(request: maybe("GET / HTTP/1.1"), response: maybe("HTTP/1.1 200 OK")) }
        return fact
    }

    @Test func bytesEqualTheFieldByFieldLayout() {
        var rng = SplitMix64(seed: 25)
        var differing: [Int] = []
        for i in 0..<2_000 {
            let fact = Self.randomFact(i, &rng)
            var written: [UInt8] = [7, 7, 7]
            HTTPFact.encode(fact, into: &written)
            if written != Self.referenceBytes(fact) { differing.append(i) }
        }
        #expect(differing.isEmpty, "facts whose bytes differ: \(differing.prefix(10))")
    }

    @Test func readBackWhole() {
        var rng = SplitMix64(seed: 9)
        for i in 0..<200 {
            let fact = Self.randomFact(i, &rng)
            var written: [UInt8] = []
            HTTPFact.encode(fact, into: &written)
            let decoded = written.withUnsafeBytes { HTTPFact.decode($0, index: i) }
            var again: [UInt8] = []
            if let decoded { HTTPFact.encode(decoded, into: &again) }
            #expect(decoded != nil && again == written, "fact \(i) does not come back as written")
        }
    }
}

/// The facts of decoded exchanges stored straight from the exchange and its call
/// (`FactStore.append(exchange:call:endpointTexts:)`, what the analysis does) against the same
/// exchanges made into `HTTPFact` values first and stored (what it did before, and still does
/// for live output and the HTML report): the stored bytes, index entries and kept digests must be
/// the same, since every report reads them back as `HTTPFact`s.
struct DirectFactEncodingTests {
    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func storedStraightAsIfMadeIntoFacts(scenario: String) throws {
        let exchanges = try OpenStackFixture.exchanges(scenario)
        try #require(exchanges.count >= 20)
        let direct = HTTPFactStore(), viaFacts = HTTPFactStore()
        for exchange in exchanges {
            let call = OpenStackCall(exchange: exchange)
            let texts = (client: exchange.client.description, server: exchange.server.description)
            direct.append(exchange: exchange, call: call, endpointTexts: texts)
            viaFacts.append(HTTPFact(exchange: exchange, call: call, index: viaFacts.count, endpointTexts: texts, messageTexts: false))
        }
        #expect(direct.count == viaFacts.count)
        var differing: [Int] = []
        for i in 0..<min(direct.count, viaFacts.count) {
            let bytes = direct.partial(at: i) { Array($0) }, expected = viaFacts.partial(at: i) { Array($0) }
            if bytes == nil || bytes != expected || direct.traitBits(at: i) != viaFacts.traitBits(at: i)
                || direct.time(at: i) != viaFacts.time(at: i) || direct.end(at: i) != viaFacts.end(at: i)
                || direct.connection(at: i) != viaFacts.connection(at: i) {
                differing.append(i)
            }
        }
        #expect(differing.isEmpty, "\(scenario): exchanges stored otherwise: \(differing.prefix(10))")
        #expect(direct.companions.keys.sorted() == viaFacts.companions.keys.sorted())
    }

    /// What the fixtures lack: anomalies (notes, a request cut in its body), a query naming a
    /// secret, forwarding headers, digests, and a response without a request.
    @Test func storedStraightWithNotesSecretsAndDigests() {
        let client = Endpoint(address: IPAddress(ipv4: 0x0A00_0001), port: 40000)
        let server = Endpoint(address: IPAddress(ipv4: 0xC0A8_1805), port: 9292)
        var timing = HTTPExchangeTiming()
        timing.requestStart = Timestamp(nanoseconds: 1_000)
        timing.requestEnd = Timestamp(nanoseconds: 2_000)
        timing.responseStart = Timestamp(nanoseconds: 3_000)
        timing.responseEnd = Timestamp(nanoseconds: 4_000)
        let request = HTTPRequest(method: "PUT", target: "/v2/images/7c5a1e0e-8a3b-4b8e-9a51-1f2f3e4d5c6b/file?password=hunter2&x=1",
                                  version: "HTTP/1.1",
                                  headers: [HTTPHeader(name: "Host", value: "glance"),
                                            HTTPHeader(name: "X-Forwarded-For", value: "10.1.1.1"),
                                            HTTPHeader(name: "x-forwarded-for", value: "10.2.2.2"),
                                            HTTPHeader(name: "Forwarded", value: "for=10.3.3.3;proto=https"),
                                            HTTPHeader(name: "X-Forwarded-Proto", value: "https")],
                                  body: HTTPBody(), isComplete: false)
        let response = HTTPResponse(version: "HTTP/1.1", status: 503, reason: "Service Unavailable",
                                    headers: [HTTPHeader(name: "Content-Encoding", value: "gzip")], body: HTTPBody(), isComplete: true)
        let digests = UploadDigests(md5: "d41d8cd98f00b204e9800998ecf8427e", sha512: nil)
        let anomalies = [HTTPAnomaly(kind: .truncatedMessage, direction: .clientToServer, time: Timestamp(nanoseconds: 2_500),
                                     message: "request body ends early"),
                         HTTPAnomaly(kind: .gapInBody, direction: .serverToClient, time: Timestamp(nanoseconds: 3_500),
                                     message: "12 bytes missing from the response body")]
        let exchanges = [
            HTTPExchange(connection: 3, sequence: 0, client: client, server: server, request: request, response: response,
                         timing: timing, requestWireBytes: 321, responseWireBytes: 654, gaps: 1, missingBytes: 12, tls: true,
                         uploadDigests: digests, anomalies: anomalies),
            HTTPExchange(connection: 4, sequence: 0, client: client, server: server, request: nil, response: response,
                         timing: timing, requestWireBytes: 0, responseWireBytes: 99, gaps: 0, missingBytes: 0, tls: false,
                         uploadDigests: nil, anomalies: []),
        ]
        for exchange in exchanges {
            let call = OpenStackCall(exchange: exchange)
            let texts = (client: exchange.client.description, server: exchange.server.description)
            let direct = HTTPFactStore(), viaFact = HTTPFactStore()
            direct.append(exchange: exchange, call: call, endpointTexts: texts)
            viaFact.append(HTTPFact(exchange: exchange, call: call, index: 0, endpointTexts: texts, messageTexts: false))
            let same = direct.partial(at: 0) { Array($0) } == viaFact.partial(at: 0) { Array($0) }
            #expect(same, "exchange on connection \(exchange.connection): stored otherwise")
            #expect(direct.traitBits(at: 0) == viaFact.traitBits(at: 0) && direct.end(at: 0) == viaFact.end(at: 0))
            #expect(direct.companions.count == viaFact.companions.count)
            #expect(direct[0].uploadDigests === viaFact[0].uploadDigests)
        }
    }
}
