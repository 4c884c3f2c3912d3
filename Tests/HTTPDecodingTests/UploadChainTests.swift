import Crypto
import Foundation
import TestSupport
import Testing
@testable import HTTPDecoding

/// Downloads hashed like uploads, and uploads in numbered parts (Swift segments) hashed as one
/// whole, against swift-crypto's digests of the same bytes.
@Suite struct UploadChainTests {
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 { digest.map { String(format: "%02x", $0) }.joined() }
    static func md5(_ bytes: [UInt8]) -> String { hex(Insecure.MD5.hash(data: bytes)) }
    static func sha512(_ bytes: [UInt8]) -> String { hex(SHA512.hash(data: bytes)) }

    /// Parts `<object>-0000N` of one whole, as glance_store names a large object's segments.
    static var segmented: HTTPDecoderConfiguration {
        var configuration = HTTPDecoderConfiguration()
        configuration.hashesUpload = { method, _ in method == "PUT" }
        configuration.uploadPart = { _, path in
            guard let dash = path.lastIndex(of: "-"), let part = Int(path[path.index(after: dash)...]) else { return nil }
            return (String(path[..<dash]), part)
        }
        configuration.uploadChains = UploadChains()
        return configuration
    }

    static func put(_ harness: DecoderHarness, _ path: String, _ body: [UInt8], chunked: Bool = false) {
        if chunked {
            harness.send("PUT \(path) HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", .clientToServer)
            var framed: [UInt8] = []
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + 65_536)
                framed += Array(String(end - offset, radix: 16).utf8) + [13, 10] + body[offset..<end] + [13, 10]
                offset = end
            }
            harness.send(framed + Array("0\r\n\r\n".utf8), .clientToServer, pieces: 13)
        } else {
            harness.send("PUT \(path) HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n", .clientToServer)
            harness.send(body, .clientToServer, pieces: 7)
        }
        harness.send("HTTP/1.1 201 Created\r\nEtag: x\r\nContent-Length: 0\r\n\r\n", .serverToClient)
    }

    @Test func segmentsAreHashedOneByOneAndAsAWhole() {
        let parts = [SplitMix64.bytes(3 << 20, seed: 1), SplitMix64.bytes(3 << 20, seed: 2), SplitMix64.bytes(1_234_567, seed: 3)]
        let h = DecoderHarness(configuration: Self.segmented)
        for (i, part) in parts.enumerated() { Self.put(h, "/v1/AUTH_p/glance/image-0000\(i + 1)", part, chunked: i == 1) }
        #expect(h.exchanges.count == 3)
        var whole: [UInt8] = []
        for (exchange, part) in zip(h.exchanges, parts) {
            whole += part
            // A segment's own digest is its MD5 only (its ETag); SHA-512 goes to the whole.
            #expect(exchange.uploadMD5 == Self.md5(part))
            #expect(exchange.uploadSHA512 == nil)
            #expect(exchange.joinedUploadDigests?.md5 == Self.md5(whole))
            #expect(exchange.joinedUploadDigests?.sha512 == Self.sha512(whole))
        }
    }

    @Test func aMissingPartEndsTheWhole() {
        let parts = [SplitMix64.bytes(100_000, seed: 4), SplitMix64.bytes(100_000, seed: 5), SplitMix64.bytes(100_000, seed: 6)]
        let h = DecoderHarness(configuration: Self.segmented)
        Self.put(h, "/v1/AUTH_p/glance/image-00001", parts[0])
        Self.put(h, "/v1/AUTH_p/glance/image-00003", parts[2])  // part 2 never seen
        #expect(h.exchanges[0].joinedUploadDigests?.md5 == Self.md5(parts[0]))
        #expect(h.exchanges[1].joinedUploadDigests == nil)
        #expect(h.exchanges[1].uploadMD5 == Self.md5(parts[2]))
        #expect(h.exchanges[1].uploadSHA512 == Self.sha512(parts[2]), "hashed alone, it gets both digests")
    }

    @Test func bytesLostInAPartVoidTheWhole() {
        let parts = [SplitMix64.bytes(200_000, seed: 7), SplitMix64.bytes(200_000, seed: 8), SplitMix64.bytes(200_000, seed: 9)]
        let h = DecoderHarness(configuration: Self.segmented)
        Self.put(h, "/v1/AUTH_p/glance/image-00001", parts[0])
        h.send("PUT /v1/AUTH_p/glance/image-00002 HTTP/1.1\r\nContent-Length: \(parts[1].count)\r\n\r\n", .clientToServer)
        h.send(parts[1], losing: [5000..<6000], .clientToServer, pieceSize: { 4096 })
        h.send("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        Self.put(h, "/v1/AUTH_p/glance/image-00003", parts[2])
        #expect(h.exchanges[0].joinedUploadDigests?.md5 == Self.md5(parts[0]))
        #expect(h.exchanges[1].uploadDigests == nil && h.exchanges[1].joinedUploadDigests == nil)
        #expect(h.exchanges[2].joinedUploadDigests == nil)
    }

    @Test func aNewFirstPartStartsAgain() {
        let a = SplitMix64.bytes(50_000, seed: 10), b = SplitMix64.bytes(60_000, seed: 11)
        let h = DecoderHarness(configuration: Self.segmented)
        Self.put(h, "/v1/AUTH_p/glance/image-00001", a)
        Self.put(h, "/v1/AUTH_p/glance/image-00001", b)  // a retried upload
        #expect(h.exchanges[1].joinedUploadDigests?.sha512 == Self.sha512(b))
    }

    @Test func chainsAreBoundedOldestFirst() {
        let chains = UploadChains()
        for i in 0...UploadChains.maxChains { _ = chains.chain(for: "whole-\(i)", part: 1) }
        #expect(chains.chain(for: "whole-0", part: 2) == nil, "the oldest chain was dropped")
        #expect(chains.chain(for: "whole-\(UploadChains.maxChains)", part: 2) != nil)
        #expect(chains.chain(for: "whole-1", part: 2) != nil)
    }

    static var downloads: HTTPDecoderConfiguration {
        var configuration = HTTPDecoderConfiguration()
        // The analysis's rule for Glance's data (the decoder knows none of its own).
        configuration.hashesDownload = { method, path, status in
            method == "GET" && (200..<300).contains(status) && path.hasSuffix("/file")
        }
        return configuration
    }

    @Test func downloadsAreHashedWhenTheRuleSaysSo() {
        let body = SplitMix64.bytes(2_000_000, seed: 12)
        let h = DecoderHarness(configuration: Self.downloads)
        h.send("GET /v2/images/abc/file HTTP/1.1\r\n\r\nGET /v2/images/abc HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n", .serverToClient)
        h.send(body, .serverToClient, pieces: 31)
        h.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", .serverToClient)
        #expect(h.exchanges[0].downloadDigests?.md5 == Self.md5(body))
        #expect(h.exchanges[0].downloadDigests?.sha512 == Self.sha512(body))
        #expect(h.exchanges[0].response?.body.disposition == .hashed)
        #expect(h.exchanges[1].downloadDigests == nil)
        #expect(h.exchanges[1].response?.body.text == "{}")
    }

    @Test func aFailedDownloadIsNotHashed() {
        let h = DecoderHarness(configuration: Self.downloads)
        h.send("GET /v2/images/abc/file HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", .serverToClient)
        #expect(h.exchanges[0].downloadDigests == nil)
        #expect(h.exchanges[0].response?.body.text == "{}")
    }
}
