import CaptureIO
import Reassembly
import TestSupport
import Testing
@testable import TLSDecoding

@Suite struct RobustnessTests {
    static func scenario(_ name: String) -> TLSFixtures.Scenario? {
        TLSFixtures.scenarios.first { $0.name == name }
    }

    @Test func sniffsClientHellos() throws {
        #expect(looksLikeClientHello(RFC8448.clientHelloRecord))
        #expect(looksLikeClientHello(Array(RFC8448.clientHelloRecord.prefix(6))))
        #expect(!looksLikeClientHello(Array(RFC8448.clientHelloRecord.prefix(5))))
        #expect(!looksLikeClientHello(RFC8448.serverHelloRecord))
        #expect(!looksLikeClientHello(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
        // A MySQL server greeting starts with a 3-byte length and sequence 0: not TLS.
        #expect(!looksLikeClientHello([0x4a, 0x00, 0x00, 0x00, 0x0a, 0x35, 0x2e, 0x35]))
        let capture = try #require(LoopbackCapture(path: TLSFixtures.directory + "/tls12-aes128gcm.pcap", serverPort: 14434))
        let first = try #require(capture.chunks.first { $0.direction == .clientToServer && !$0.payload.isEmpty })
        #expect(looksLikeClientHello(first.payload))
    }

    @Test func plaintextOnATLSPortIsPassedThrough() {
        let inner = RecordingConsumer()
        let decoder = TLSConnectionDecoder(connection: testConnection(), inner: inner)
        let request = Array("GET /v2/images HTTP/1.1\r\nHost: glance\r\n\r\n".utf8)
        decoder.feed(Array(request.prefix(3)), .clientToServer)
        decoder.feed(Array(request.dropFirst(3)), .clientToServer)
        decoder.feed(Array("HTTP/1.1 200 OK\r\n\r\n".utf8), .serverToClient)
        #expect(inner.bytes[0] == request)
        #expect(inner.bytes[1] == Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
        #expect(!decoder.facts.isTLS)
        #expect(decoder.facts.decryption == .notEncrypted)
    }

    /// TLS 1.3 client records that arrive before the ServerHello (merged captures with skewed
    /// clocks) are held, then decrypted once the ServerHello has been read.
    @Test func clientRecordsBeforeTheServerHelloAreHeld() {
        let inner = RecordingConsumer()
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: RFC8448.keyLog, inner: inner)
        decoder.feed(RFC8448.clientHelloRecord + RFC8448.clientFinishedRecord + RFC8448.clientApplicationRecord,
                     .clientToServer)
        #expect(inner.bytes[0].isEmpty)
        decoder.feed(RFC8448.serverHelloRecord + RFC8448.serverFlightRecord, .serverToClient)
        #expect(inner.bytes[0] == RFC8448.applicationPayload)
        #expect(decoder.facts.decryption == .decrypted)
    }

    /// Middlebox-compatibility ChangeCipherSpec records (RFC 8446 D.4), even one sent before the
    /// ServerHello, change nothing in TLS 1.3.
    @Test func tls13CompatibilityChangeCipherSpecIsIgnored() {
        let inner = RecordingConsumer()
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: RFC8448.keyLog, inner: inner)
        let ccs: [UInt8] = [20, 3, 3, 0, 1, 1]
        decoder.feed(RFC8448.clientHelloRecord + ccs, .clientToServer)
        decoder.feed(RFC8448.serverHelloRecord + ccs + RFC8448.serverFlightRecord, .serverToClient)
        decoder.feed(ccs + RFC8448.clientFinishedRecord + RFC8448.clientApplicationRecord, .clientToServer)
        #expect(inner.bytes[0] == RFC8448.applicationPayload)
        #expect(decoder.facts.decryption == .decrypted)
        #expect(decoder.facts.clientRecords.changeCipherSpec == 2)
    }

    @Test func aGapStopsItsDirectionAndReachesTheInnerConsumer() throws {
        let scenario = try #require(Self.scenario("tls13-aes256gcm"))
        let capture = try #require(LoopbackCapture(path: TLSFixtures.directory + "/tls13-aes256gcm.pcap", serverPort: scenario.port))
        let inner = RecordingConsumer()
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: TLSFixtures.keyLog(scenario.name), inner: inner)
        // Lose one server segment in the middle of the 17000-byte response.
        let serverChunks = capture.chunks.indices.filter { capture.chunks[$0].direction == .serverToClient && !capture.chunks[$0].payload.isEmpty }
        let lost = serverChunks[serverChunks.count / 2]
        for (index, chunk) in capture.chunks.enumerated() {
            if index == lost {
                decoder.gap(chunk.payload.count, direction: chunk.direction, at: chunk.time)
            } else {
                decoder.feed(chunk.payload, chunk.direction, at: chunk.time)
            }
        }
        let facts = decoder.facts
        #expect(facts.decryption == .partiallyDecrypted(reason: "gap in server-to-client stream"))
        #expect(inner.gaps.count == 1 && inner.gaps.first?.0 == .serverToClient)
        // The client direction is untouched; the server's plaintext is a prefix of the real one.
        #expect(inner.bytes[0].count == scenario.connections[0].client_length)
        #expect(inner.bytes[1].count < scenario.connections[0].server_length)
        #expect(facts.serverRecords.droppedBytes > 0)
        #expect(facts.notes.contains { $0.contains("gap") })
    }

    @Test func corruptCiphertextFailsTheTagAndKeepsWhatCameBefore() throws {
        let scenario = try #require(Self.scenario("tls12-aes128gcm"))
        let capture = try #require(LoopbackCapture(path: TLSFixtures.directory + "/\(scenario.name).pcap", serverPort: scenario.port))
        let inner = RecordingConsumer()
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: TLSFixtures.keyLog(scenario.name), inner: inner)
        let serverChunks = capture.chunks.indices.filter { capture.chunks[$0].direction == .serverToClient && capture.chunks[$0].payload.count > 100 }
        let corrupt = try #require(serverChunks.last)
        for (index, chunk) in capture.chunks.enumerated() {
            var payload = chunk.payload
            if index == corrupt { payload[payload.count - 20] ^= 0x01 }
            decoder.feed(payload, chunk.direction, at: chunk.time)
        }
        #expect(decoder.facts.decryption == .partiallyDecrypted(reason: "AEAD tag failed"))
        #expect(inner.bytes[0].count == scenario.connections[0].client_length)
        #expect(inner.bytes[1].count < scenario.connections[0].server_length)
        #expect(inner.bytes[1].count > 0)
    }

    @Test func oversizedRecordStopsTheDirection() {
        let inner = RecordingConsumer()
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: RFC8448.keyLog, inner: inner)
        decoder.feed(RFC8448.clientHelloRecord, .clientToServer)
        decoder.feed([23, 3, 3, 0xff, 0xff] + [UInt8](repeating: 0, count: 10), .clientToServer)
        #expect(decoder.facts.notes.contains { $0.contains("corrupt record header") })
        #expect(inner.gaps.count == 1)
        decoder.feed([UInt8](repeating: 0, count: 100_000), .clientToServer)  // dropped, not buffered
        #expect(decoder.facts.clientRecords.droppedBytes == 100_015)
    }

    /// Mutated streams (flipped bytes, truncations, inserted garbage, random splits) must never
    /// trap; the decoder ends each run with facts.
    @Test(arguments: ["tls13-chacha20-keyupdate", "tls12-aes256cbc-sha384-etm", "tls12-aes128cbc-sha-resumed"])
    func mutatedCapturesNeverTrap(_ name: String) throws {
        let scenario = try #require(Self.scenario(name))
        let capture = try #require(LoopbackCapture(path: TLSFixtures.directory + "/\(name).pcap", serverPort: scenario.port))
        let keyLog = TLSFixtures.keyLog(name)
        var generator = SplitMix64(seed: 0x7ee1)
        for _ in 0..<40 {
            let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: keyLog, inner: RecordingConsumer())
            for chunk in capture.chunks where chunk.connection == 0 {
                var payload = chunk.payload
                if !payload.isEmpty && Int.random(in: 0..<6, using: &generator) == 0 {
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: payload[Int.random(in: 0..<payload.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
                    case 1: payload.removeLast(Int.random(in: 0...payload.count, using: &generator))
                    case 2: payload.insert(contentsOf: (0..<Int.random(in: 1...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) },
                                           at: Int.random(in: 0...payload.count, using: &generator))
                    default: payload[Int.random(in: 0..<min(payload.count, 5), using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                    }
                }
                var rest = payload[...]
                while !rest.isEmpty {
                    let size = Int.random(in: 1...rest.count, using: &generator)
                    decoder.feed(Array(rest.prefix(size)), chunk.direction, at: chunk.time)
                    rest = rest.dropFirst(size)
                }
            }
            decoder.close(reason: .reset, statistics: ConnectionStatistics(), at: .zero)
            _ = decoder.facts.decryption.description
        }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 42)
        for round in 0..<300 {
            let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: RFC8448.keyLog, inner: RecordingConsumer())
            // Valid-looking headers with random bodies reach the handshake and DER parsers.
            for _ in 0..<8 {
                let type = UInt8.random(in: 20...24, using: &generator)
                let length = Int.random(in: 0...(round % 2 == 0 ? 60 : 3000), using: &generator)
                var record: [UInt8] = [type, 3, UInt8.random(in: 1...4, using: &generator), UInt8(length >> 8), UInt8(length & 0xff)]
                record += (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if type == 22 && length > 4 { record[5] = [1, 2, 8, 11, 4, 20, 24][round % 7] }
                decoder.feed(record, Bool.random(using: &generator) ? .clientToServer : .serverToClient)
            }
            _ = decoder.facts
        }
    }

    @Test func certificateParserSurvivesTruncation() {
        // Every prefix of a real certificate: nil or partial facts, never a trap.
        guard let text = try? String(contentsOfFile: TLSFixtures.directory + "/server-cert.pem", encoding: .utf8) else {
            Issue.record("no certificate fixture")
            return
        }
        let base64 = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = base64Decode(base64) else { Issue.record("bad base64"); return }
        #expect(TLSCertificateFacts(derEncoded: der)?.subject == "CN=glance.test,O=Glancetrace Test,C=US")
        for cut in stride(from: 0, to: der.count, by: 7) {
            _ = TLSCertificateFacts(derEncoded: Array(der.prefix(cut)))
        }
    }

    private func base64Decode(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var values = [UInt8: UInt32]()
        for (i, c) in alphabet.enumerated() { values[c] = UInt32(i) }
        var out = [UInt8](), buffer: UInt32 = 0, bits = 0
        for c in text.utf8 where c != UInt8(ascii: "=") {
            guard let v = values[c] else { return nil }
            buffer = buffer << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xff))
            }
        }
        return out
    }
}
