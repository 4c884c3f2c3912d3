import CaptureIO
import Reassembly
import TestSupport
import Testing
import TLSDecoding
import TLSInference

/// Record sequences in, exchanges out: the shapes HTTP/1.1 over TLS takes on the wire.
struct TLSExchangeInferenceTests {
    static let client = FlowDirection.clientToServer
    static let server = FlowDirection.serverToClient

    @Test func keepAliveConnectionGivesOneExchangePerRequest() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        var starts: [Int64] = []
        for (request, response) in [(300, [1200]), (450, [600, 16384, 3000]), (280, [90])] {
            starts.append(s.now)
            s.send(Self.client, [request])
            s.wait(1500)
            s.send(Self.server, response)
            s.wait(4000)
        }
        s.alert(Self.client)
        s.alert(Self.server)
        s.close()
        let (exchanges, inference) = s.run()
        #expect(exchanges.count == 3)
        #expect(exchanges.map(\.sequence) == [0, 1, 2])
        #expect(exchanges.map(\.requestStart) == starts.map(RecordScript.time))
        #expect(exchanges.map(\.requestBytes) == [300...300, 450...450, 280...280])
        #expect(exchanges.map(\.responseBytes) == [1200...1200, 19984...19984, 90...90])
        #expect(exchanges.map(\.responseRecords) == [1, 3, 1])
        #expect(exchanges[1].responseEnd == RecordScript.time(starts[1] + 10 + 1500 + 20))
        #expect(exchanges.allSatisfy { $0.sizesExact && $0.notes.isEmpty })
        // Both close_notify records are alerts, not a fourth request or response bytes.
        #expect(inference.counts.alertRecords == 2)
        #expect(inference.counts.ticketRecords == 2)
        #expect(inference.counts.handshakeRecords == 7)  // CH, SH, EE, Cert, CV, Fin, client Fin
    }

    @Test func largeUploadInManyRecordsIsOneRequest() throws {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        let start = s.now
        // Headers, then the 8 MiB body in 8 KiB writes (Python's http.client blocks).
        s.send(Self.client, [420] + Array(repeating: 8192, count: 1024))
        let last = s.now - 10
        s.wait(20_000)
        s.send(Self.server, [180])
        s.close()
        let exchanges = s.run().exchanges
        #expect(exchanges.count == 1)
        let upload = try #require(exchanges.first)
        #expect(upload.requestBytes == (420 + 8_388_608)...(420 + 8_388_608))
        #expect(upload.requestRecords == 1025)
        #expect(upload.requestRecordBytes == 1025 * (5 + 17) + 420 + 8_388_608)
        #expect(upload.requestStart == RecordScript.time(start))
        #expect(upload.requestEnd == RecordScript.time(last))
        #expect(upload.responseBytes == 180...180)
    }

    @Test func pipelinedRequestsShowAsTheirBursts() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        // Two requests written back to back before any answer: the record layer shows one burst,
        // so one exchange (the limit of reading records: nothing marks where the first request ends).
        s.send(Self.client, [200])
        s.send(Self.client, [210])
        s.wait(2000)
        s.send(Self.server, [500])
        s.send(Self.server, [510])
        s.wait(3000)
        // The third request goes out while the second response is still arriving.
        s.send(Self.client, [220])
        s.send(Self.server, [4000])
        s.wait(100)
        s.send(Self.server, [700])
        s.close()
        let exchanges = s.run().exchanges
        #expect(exchanges.count == 2)
        #expect(exchanges.first?.requestRecords == 2)
        #expect(exchanges.first?.requestBytes == 410...410)
        #expect(exchanges.first?.responseBytes == 1010...1010)
        #expect(exchanges.last?.requestBytes == 220...220)
        #expect(exchanges.last?.responseBytes == 4700...4700)
    }

    @Test func sessionTicketsAreNotResponses() {
        // OpenSSL's second ticket may leave after the request arrived (seen in Fixtures/tls).
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake(tickets: 1)
        s.send(Self.client, [97])
        s.send(Self.server, [250])  // the second ticket, 0.1 ms after the request
        s.wait(8000)
        s.send(Self.server, [16384, 698])
        s.close()
        let (exchanges, inference) = s.run()
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.responseBytes == 17082...17082)
        #expect(exchanges.first?.ticketRecords == 1)
        #expect(inference.counts.ticketRecords == 2)
    }

    @Test func haproxyTicketsAfterTheRequestAreNotResponses() {
        // g-tls: haproxy sent its two tickets 3.2 ms after the client's first request, then the
        // response 1.8 ms later.
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake(tickets: 0)
        s.send(Self.client, [217])
        s.wait(3200)
        s.send(Self.server, [233, 233])
        s.wait(1800)
        s.send(Self.server, [409])
        s.wait(1700)
        s.send(Self.client, [283, 218])
        s.wait(1_000_000)
        s.send(Self.server, [2186])
        s.close()
        let (exchanges, inference) = s.run()
        #expect(exchanges.map(\.requestBytes) == [217...217, 501...501])
        #expect(exchanges.map(\.responseBytes) == [409...409, 2186...2186])
        #expect(exchanges.map(\.ticketRecords) == [2, 0])
        #expect(inference.counts.ticketRecords == 2)
    }

    @Test func quickTwoRecordAnswerWithoutTicketsIsAResponse() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake(tickets: 0)
        s.send(Self.client, [300])
        s.wait(900)
        s.send(Self.server, [180, 2000])
        s.close()
        let exchanges = s.run().exchanges
        #expect(exchanges.map(\.responseBytes) == [2180...2180])
        #expect(exchanges.first?.responseStart == RecordScript.time(s.now - 20))
    }

    @Test func responseOfTicketSizeInALaterFlightIsAResponse() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake(tickets: 2)
        s.send(Self.client, [97])
        s.wait(3000)  // a later flight: a response, even of the tickets' size
        s.send(Self.server, [250])
        s.close()
        let exchanges = s.run().exchanges
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.responseBytes == 250...250)
    }

    @Test func serverWithoutTicketsAnsweringAtOnceStillAnswers() {
        // No tickets, and a one-record answer within the ticket window: taken for a ticket at
        // first, it is the response once the next request (or the end) shows nothing else came.
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake(tickets: 0)
        s.send(Self.client, [97])
        s.wait(900)
        s.send(Self.server, [180])
        s.wait(5000)
        s.send(Self.client, [120])
        s.wait(900)
        s.send(Self.server, [180])
        s.close()
        let (exchanges, inference) = s.run()
        #expect(exchanges.count == 2)
        #expect(exchanges.map(\.responseBytes) == [180...180, 180...180])
        #expect(exchanges.map(\.ticketRecords) == [0, 0])
        #expect(inference.counts.ticketRecords == 0)
    }

    @Test func connectionClosedMidResponseSaysSo() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        s.send(Self.client, [300])
        s.wait(2000)
        s.send(Self.server, [16384, 16384, 16384])
        s.close(.reset)
        let exchanges = s.run().exchanges
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.responseBytes == 49152...49152)
        #expect(exchanges.first?.notes.contains { $0.contains("may be cut short") } == true)

        // The same response followed by close_notify was whole.
        var whole = RecordScript(RecordScript.aes256GCM13)
        whole.handshake()
        whole.send(Self.client, [300])
        whole.send(Self.server, [16384, 16384, 16384])
        whole.alert(Self.server)
        whole.close()
        #expect(whole.run().exchanges.first?.notes == [])
    }

    @Test func requestWithoutAnswerIsKeptWithANote() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        s.send(Self.client, [300])
        s.close(.fin)
        let exchanges = s.run().exchanges
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.hasResponse == false)
        #expect(exchanges.first?.notes.first?.hasPrefix("no response") == true)
    }

    @Test func tls12AEADSizesAndAlerts() {
        var s = RecordScript(RecordScript.aes128GCM12)
        s.handshake()
        s.send(Self.client, [310])
        s.wait(1000)
        s.send(Self.server, [1400])
        s.wait(1000)
        s.send(Self.client, [320, 5000])
        s.wait(1000)
        s.send(Self.server, [90])
        s.alert(Self.server)
        s.close()
        let (exchanges, inference) = s.run()
        #expect(exchanges.map(\.requestBytes) == [310...310, 5320...5320])
        #expect(exchanges.map(\.responseBytes) == [1400...1400, 90...90])
        #expect(exchanges.map(\.requestRecordBytes) == [310 + 24 + 5, 5320 + 2 * 29])
        #expect(inference.counts.alertRecords == 1)
    }

    @Test func cbcSizesAreRanges() throws {
        let cbc = TLSRecordProtection.tls12CBC(ivLength: 16, macLength: 20, blockLength: 16)
        var s = RecordScript(cbc)
        s.handshake()
        // 300 bytes + 20 MAC + 8 padding = 328 = 20.5 blocks: 336 with 16 padding... use 336 + IV.
        s.record(Self.client, type: 23, length: 16 + 336)
        s.record(Self.server, type: 23, length: 16 + 1024)
        s.close()
        let exchange = try #require(s.run().exchanges.first)
        #expect(exchange.requestBytes == (336 - 20 - 16)...(336 - 20 - 1))
        #expect(exchange.responseBytes == (1024 - 20 - 16)...(1024 - 20 - 1))
        #expect(!exchange.sizesExact)
    }

    @Test func interimContinueKeepsTheRequestTogether() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        s.send(Self.client, [350])          // PUT with Expect: 100-continue
        s.wait(500)
        s.send(Self.server, [25])           // HTTP/1.1 100 Continue
        s.wait(500)
        s.send(Self.client, [16384, 16384])  // the body
        s.wait(5000)
        s.send(Self.server, [200])
        s.close()
        let exchanges = s.run().exchanges
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.requestBytes == 33118...33118)
        #expect(exchanges.first?.interimResponses == 1)
        #expect(exchanges.first?.responseBytes == 225...225)
    }

    @Test func decryptedConnectionInfersNothing() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        s.send(Self.client, [300])
        s.send(Self.server, [300])
        s.close()
        // The same records, the server's flight opened with a key.
        var inference = TLSExchangeInference()
        var out: [InferredExchange] = []
        for event in s.events {
            var event = event
            if case .record(var r) = event, r.protection != .none { r.decrypted = true; event = .record(r) }
            out += inference.consume(event)
        }
        #expect(out.isEmpty)
        #expect(inference.isDecrypted)
    }

    @Test func lostBytesEndTheInference() {
        var s = RecordScript(RecordScript.aes256GCM13)
        s.handshake()
        s.send(Self.client, [300])
        s.send(Self.server, [800])
        s.events.append(.lost(Self.server, at: RecordScript.time(s.now)))
        s.send(Self.client, [300])
        s.close()
        let (exchanges, inference) = s.run()
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.notes.first?.contains("lost bytes") == true)
        #expect(inference.isLost)
    }

    @Test func joinedMidConnectionGivesUpperBounds() throws {
        // No handshake in the capture: the decoder calls application records unprotected.
        var s = RecordScript(.unknown)
        s.record(Self.client, type: 23, length: 400, protected: false)
        s.record(Self.server, type: 23, length: 900, protected: false)
        s.close()
        let exchange = try #require(s.run().exchanges.first)
        #expect(exchange.requestBytes == 0...400)
        #expect(!exchange.sizesExact)
    }
}

/// Any record sequence, however unlike TLS (times going back, zero and huge lengths, every
/// content type, protections changing mid-stream), gives well-formed exchanges and never traps.
struct TLSExchangeInferencePropertyTests {
    @Test func randomRecordSequencesGiveWellFormedExchanges() {
        var generator = SplitMix64(seed: 0x7115)
        func next(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
        let protections: [TLSRecordProtection] = [.none, .unknown, .tls13(tagLength: 16, hashLength: 32),
                                                  .tls12AEAD(nonceLength: 8, tagLength: 16),
                                                  .tls12CBC(ivLength: 16, macLength: 20, blockLength: 16)]
        for _ in 0..<300 {
            var inference = TLSExchangeInference()
            var exchanges: [InferredExchange] = []
            var time: Int64 = 1_000_000_000
            for _ in 0..<(1 + next(200)) {
                time += Int64(next(3_000_000)) - 500_000
                let direction: FlowDirection = next(2) == 0 ? .clientToServer : .serverToClient
                let event: TLSRecordLayerEvent
                switch next(40) {
                case 0: event = .lost(direction, at: Timestamp(nanoseconds: time))
                case 1: event = .finished(direction, at: Timestamp(nanoseconds: time))
                default:
                    let length = [0, 1, 2, 17, 19, 22, 69, 250, 16_401, 18_432][next(10)] + next(3)
                    event = .record(TLSRecordSighting(direction: direction, time: Timestamp(nanoseconds: time),
                                                      contentType: UInt8(19 + next(7)), length: length,
                                                      protection: protections[next(protections.count)], decrypted: next(200) == 0))
                }
                exchanges += inference.consume(event)
            }
            exchanges += inference.consume(.closed(.fin, at: Timestamp(nanoseconds: time)))
            #expect(exchanges.map(\.sequence) == exchanges.map(\.sequence).sorted())
            #expect(Set(exchanges.map(\.sequence)).count == exchanges.count)
            for exchange in exchanges {
                #expect(exchange.requestRecords > 0)
                #expect(exchange.requestBytes.lowerBound >= 0 && exchange.responseBytes.lowerBound >= 0)
                #expect(exchange.hasResponse == (exchange.responseStart != nil))
            }
            #expect(inference.counts.ticketRecords >= 0)
        }
    }
}
