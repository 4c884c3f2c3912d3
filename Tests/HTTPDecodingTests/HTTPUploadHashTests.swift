import CaptureIO
import Crypto
import Foundation
import PacketDecoding
import Reassembly
import TestSupport
import Testing
@testable import HTTPDecoding

/// Upload hashing: known vectors, and the real uploads of the shared captures against the image
/// checksums Glance itself computed (truth.json).
@Suite struct HTTPUploadHashTests {
    @Test func knownVectors() {
        // MD5 and SHA-512 of bytes 0...255 repeated 1000 times (Python hashlib).
        let body = [UInt8]((0..<256_000).map { UInt8(truncatingIfNeeded: $0) })
        let h = DecoderHarness()
        h.send("PUT /v2/images/abc/file HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n", .clientToServer)
        h.send(body, .clientToServer, pieces: 37)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        let e = h.exchanges.first
        #expect(e?.uploadMD5 == "1da708a75e25110b1341d16814feb52d")
        #expect(e?.uploadSHA512 == "225ad35194eb4473f6a954a42e50d3ae437d234d1895a396de833e59487a92c56d485f672f5ff88d4dad732366751b5663ed6618c909c5f4179e92673a6329c4")
        #expect(e?.request?.body.disposition == .hashed)
        #expect(e?.request?.body.byteCount == body.count)
        #expect(e?.request?.body.text == nil)
    }

    /// A body of many hasher blocks (more than wait at once), in uneven pieces: the digests, from
    /// two threads and OpenSSL's SHA-512, equal swift-crypto's (BoringSSL) over the same bytes.
    @Test func multiBlockBodyEqualsAnIndependentDigest() {
        let body = SplitMix64.bytes((11 << 20) + 123, seed: 1)
        let h = DecoderHarness()
        h.send("PUT /v2/images/abc/file HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n", .clientToServer)
        h.send(body, .clientToServer, pieces: 997)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        let md5 = Insecure.MD5.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let sha512 = SHA512.hash(data: body).map { String(format: "%02x", $0) }.joined()
        #expect(h.exchanges.first?.uploadMD5 == md5)
        #expect(h.exchanges.first?.uploadSHA512 == sha512)
    }

    @Test func predicateIsConfigurable() {
        var configuration = HTTPDecoderConfiguration()
        configuration.hashesUpload = { method, path in method == "POST" && path == "/upload" }
        let h = DecoderHarness(configuration: configuration)
        h.send("POST /upload?x=1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPUT /v2/images/1/file HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(h.exchanges[0].uploadMD5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(h.exchanges[1].uploadMD5 == nil)
        #expect(h.exchanges[1].request?.body.text == "abc")
    }

    /// Full uploads of a-seed (Content-Length) and b-sequential (chunked, three images) from the
    /// shared captures (skipped when absent), read by a minimal pcap reader of this test (Ethernet,
    /// IPv4, TCP; retransmitted bytes dropped by sequence number).
    @Test(arguments: ["a-seed", "b-sequential"])
    func realUploadsMatchGlanceChecksums(scenario: String) throws {
        let capture = (ProcessInfo.processInfo.environment["GLANCETRACE_SHARED_CAPTURES"].map { URL(fileURLWithPath: $0) }
            ?? HTTPFixture.directory.deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared/captures"))
            .appendingPathComponent("\(scenario)/capture.pcap").path
        guard let data = FileManager.default.contents(atPath: capture) else {
            print("skipped: \(capture) missing")
            return
        }
        var exchanges: [HTTPExchange] = []
        var decoders: [UInt16: HTTPConnectionDecoder] = [:]
        var nextSequence: [UInt32: UInt32] = [:]  // (client port << 1 | direction) -> next expected sequence number
        let bytes = [UInt8](data)
        func u16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
        func u32be(_ i: Int) -> UInt32 { UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3]) }
        func u32le(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        #expect(u32le(0) == 0xA1B2C3D4 && u32le(20) == 1)  // microsecond pcap, Ethernet
        var offset = 24
        while offset + 16 <= bytes.count {
            let time = Timestamp(seconds: Int64(u32le(offset)), nanoseconds: Int64(u32le(offset + 4)) * 1000)
            let length = u32le(offset + 8)
            let frame = offset + 16
            offset = frame + length
            guard offset <= bytes.count, length > 54, u16(frame + 12) == 0x0800, bytes[frame + 23] == 6 else { continue }
            let ip = frame + 14
            let ipHeader = Int(bytes[ip] & 0x0F) * 4
            let tcp = ip + ipHeader
            let tcpHeader = Int(bytes[tcp + 12] >> 4) * 4
            let payloadLength = u16(ip + 2) - ipHeader - tcpHeader
            let (sport, dport) = (UInt16(u16(tcp)), UInt16(u16(tcp + 2)))
            guard sport == 9292 || dport == 9292 else { continue }
            let fromClient = dport == 9292
            let clientPort = fromClient ? sport : dport
            let key = UInt32(clientPort) << 1 | (fromClient ? 0 : 1)
            var sequence = u32be(tcp + 4)
            if bytes[tcp + 13] & 0x02 != 0 { nextSequence[key] = sequence &+ 1 }
            guard payloadLength > 0 else { continue }
            var start = tcp + tcpHeader
            let end = start + payloadLength
            let expected = nextSequence[key] ?? sequence
            let ahead = sequence &- expected
            if ahead >= 0x8000_0000 {  // retransmission: skip what was delivered
                start += Int(expected &- sequence)
                sequence = expected
            }
            guard start < end else { continue }
            nextSequence[key] = sequence &+ UInt32(end - start)
            let decoder = decoders[clientPort] ?? {
                let info = ConnectionInfo(index: Int(clientPort), client: HTTPFixture.endpoint("127.0.0.1:\(clientPort)"),
                                          server: HTTPFixture.endpoint("127.0.0.1:9292"), firstSeen: time, sawHandshake: true)
                let made = HTTPConnectionDecoder(connection: info, configuration: .hashingImageUploads) { exchanges.append($0) }
                decoders[clientPort] = made
                return made
            }()
            let direction: FlowDirection = fromClient ? .clientToServer : .serverToClient
            if ahead > 0, ahead < 0x8000_0000 { decoder.gap(Int(ahead), direction: direction, at: time) }
            bytes[start..<end].withUnsafeBytes { decoder.receive($0, direction: direction, at: time) }
        }
        for decoder in decoders.values { decoder.close(reason: .endOfCapture, statistics: ConnectionStatistics(), at: .zero) }

        let images = try HTTPFixture.truth(scenario)["images"] as? [[String: Any]] ?? []
        let uploads = exchanges.filter { $0.request?.method == "PUT" }
        #expect(uploads.count == images.count)
        for image in images {
            let id = image["id"] as? String ?? "?"
            let upload = uploads.first { $0.request?.path == "/v2/images/\(id)/file" }
            #expect(upload?.uploadMD5 == image["checksum"] as? String, "\(id)")
            #expect(upload?.uploadSHA512 == image["os_hash_value"] as? String, "\(id)")
            #expect(upload?.request?.body.byteCount == image["size"] as? Int, "\(id)")
            #expect(upload?.isComplete == true)
        }
    }

    /// Prints the decoder's throughput on a hashed upload (run with `-c release` for real numbers).
    @Test func uploadHashingThroughput() {
        let size = 32 << 20
        let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
        let h = DecoderHarness()
        h.send("PUT /v2/images/x/file HTTP/1.1\r\nContent-Length: \(size)\r\n\r\n", .clientToServer)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            chunk.withUnsafeBytes { buffer in
                for _ in 0..<(size / chunk.count) {
                    h.decoder.receive(buffer, direction: .clientToServer, at: Timestamp(nanoseconds: 1))
                }
            }
            h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        }
        #expect(h.exchanges.first?.uploadMD5 != nil)
        // The same hashing without the decoder, to see what the decoder itself costs.
        let raw = clock.measure {
            var md5 = Insecure.MD5()
            var sha512 = SHA512()
            chunk.withUnsafeBytes { buffer in
                for _ in 0..<(size / chunk.count) {
                    md5.update(bufferPointer: buffer)
                    sha512.update(bufferPointer: buffer)
                }
            }
            _ = (md5.finalize(), sha512.finalize())
        }
        func rate(_ duration: Duration) -> Int {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return Int(Double(size) / 1e6 / max(seconds, 1e-9))
        }
        print("upload hashing (MD5 + SHA-512) through HTTPConnectionDecoder: \(rate(elapsed)) MB/s; swift-crypto alone: \(rate(raw)) MB/s")
    }
}
