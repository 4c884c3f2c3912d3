import CaptureIO
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
