import CaptureIO
import Reassembly
import Testing
@testable import TLSDecoding

/// RFC 8448 section 3, "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256): the RFC's secrets,
/// keys, IVs and protected records, copied from the RFC text.
enum RFC8448 {
    static let clientHandshakeSecret = hex("b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21")
    static let serverHandshakeSecret = hex("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38")
    static let clientApplicationSecret = hex("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5")
    static let serverApplicationSecret = hex("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43")

    static let serverHandshakeKey = hex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc")
    static let serverHandshakeIV = hex("5d 31 3e b2 67 12 76 ee 13 00 0b 30")
    static let clientHandshakeKey = hex("db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01")
    static let clientHandshakeIV = hex("5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f")
    static let serverApplicationKey = hex("9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56")
    static let serverApplicationIV = hex("cf 78 2b 88 dd 83 54 9a ad f1 e9 84")
    static let clientApplicationKey = hex("17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51")
    static let clientApplicationIV = hex("5b 78 92 3d ee 08 57 90 33 e5 23 d9")

    /// {client} send handshake record: the ClientHello record (201 octets).
    static let clientHelloRecord = hex("16 03 01 00 c4") + hex("""
        01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2
        1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01
        00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00
        0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00
        23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e
        43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00
        03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06
        04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c
        00 02 40 01
        """)
    static let clientRandom = Array(clientHelloRecord[11..<43])

    static let serverHelloRecord = hex("""
        16 03 03 00 5a 02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c
        d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00
        2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72
        e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04
        """)

    /// EncryptedExtensions, Certificate, CertificateVerify, Finished (679 octets).
    static let serverFlightRecord = hex("""
        17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f
        45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca
        07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd
        05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b
        d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e
        f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c
        7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8
        bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92
        8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70
        a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8
        94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea
        52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f
        44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89
        f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3
        6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1
        00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e
        1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84
        c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c
        f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f
        c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be
        5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 81 d6 b6
        fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb
        56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10
        dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38
        eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f
        60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78
        40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3
        79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e
        75 0e dc 53 37 0d 2b
        """)
    /// The EncryptedExtensions message that opens the flight's plaintext.
    static let encryptedExtensions = hex("08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02 40 01 00 00 00 00")

    static let clientFinishedRecord = hex("""
        17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0
        51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c
        ae ac ab 68 67 d7 26 c4 05 46
        """)
    static let newSessionTicketRecord = hex("""
        17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24
        0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a
        01 59 40 25 2f 55 71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1
        70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0
        9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15
        13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77
        f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3
        47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52 ca 49 fe 51 37 12 1c 74
        bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b
        3b 6c 67 79 b3 7b f1 59 85 68 4f
        """)
    static let clientApplicationRecord = hex("""
        17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea
        42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b
        62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4
        """)
    static let serverApplicationRecord = hex("""
        17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc
        32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8
        fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d
        """)
    static let clientAlertRecord = hex("17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3")
    static let serverAlertRecord = hex("17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9")
    /// Both application records carry 00 01 02 ... 31.
    static let applicationPayload = (0..<50).map { UInt8($0) }

    static var keyLog: TLSKeyLog {
        let random = hexString(clientRandom)
        return TLSKeyLog(text: """
            CLIENT_HANDSHAKE_TRAFFIC_SECRET \(random) \(hexString(clientHandshakeSecret))
            SERVER_HANDSHAKE_TRAFFIC_SECRET \(random) \(hexString(serverHandshakeSecret))
            CLIENT_TRAFFIC_SECRET_0 \(random) \(hexString(clientApplicationSecret))
            SERVER_TRAFFIC_SECRET_0 \(random) \(hexString(serverApplicationSecret))
            EXPORTER_SECRET \(random) fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50
            """)
    }

    static let aes128: TLSCipherParameters = TLSCipherSuite(rawValue: 0x1301).parameters!

    static func split(_ record: [UInt8]) -> (header: [UInt8], body: ArraySlice<UInt8>) {
        (Array(record[0..<5]), record[5...])
    }

    /// A TLS 1.3 record decryptor with the trace's cipher suite (TLS_AES_128_GCM_SHA256).
    static func decryptor(key: [UInt8], iv: [UInt8]) -> TLSRecordDecryptor {
        TLSRecordDecryptor(parameters: aes128, framing: .tls13, key: key, iv: iv)
    }
}

extension TLSRecordDecryptor {
    /// Opens a whole record of the trace: its 5-byte header, then its protected body.
    mutating func open(record: [UInt8]) throws(TLSDecryptionError) -> (type: UInt8, plaintext: [UInt8]) {
        let (header, body) = RFC8448.split(record)
        return try open(header: header, body: body)
    }
}

@Suite struct RFC8448Tests {
    @Test func trafficKeysFromTheRFCSecrets() {
        let cases: [([UInt8], [UInt8], [UInt8])] = [
            (RFC8448.serverHandshakeSecret, RFC8448.serverHandshakeKey, RFC8448.serverHandshakeIV),
            (RFC8448.clientHandshakeSecret, RFC8448.clientHandshakeKey, RFC8448.clientHandshakeIV),
            (RFC8448.serverApplicationSecret, RFC8448.serverApplicationKey, RFC8448.serverApplicationIV),
            (RFC8448.clientApplicationSecret, RFC8448.clientApplicationKey, RFC8448.clientApplicationIV),
        ]
        for (secret, key, iv) in cases {
            let derived = TLS13KeySchedule.trafficKeys(RFC8448.aes128, secret: secret)
            #expect(derived.key == key)
            #expect(derived.iv == iv)
        }
    }

    @Test func expandLabelInfoMatchesTheRFC() {
        // "{server} calculate finished": HKDF-Expand-Label(server hs secret, "finished", "", 32).
        let finishedKey = TLS13KeySchedule.expandLabel(.sha256, secret: RFC8448.serverHandshakeSecret,
                                                       label: "finished", length: 32)
        #expect(finishedKey == hex("00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8"))
    }

    @Test func serverHandshakeFlightDecrypts() throws {
        var decryptor = RFC8448.decryptor(key: RFC8448.serverHandshakeKey, iv: RFC8448.serverHandshakeIV)
        let (type, plaintext) = try decryptor.open(record: RFC8448.serverFlightRecord)
        #expect(type == 22)
        // "{server} send handshake record: payload (657 octets)": EE, Certificate, CertificateVerify, Finished.
        #expect(plaintext.count == 657)
        #expect(Array(plaintext.prefix(RFC8448.encryptedExtensions.count)) == RFC8448.encryptedExtensions)
        #expect(Array(plaintext.suffix(36).prefix(4)) == [0x14, 0x00, 0x00, 0x20])
        #expect(decryptor.sequence == 1)
    }

    @Test func clientFinishedDecrypts() throws {
        var decryptor = RFC8448.decryptor(key: RFC8448.clientHandshakeKey, iv: RFC8448.clientHandshakeIV)
        let (type, plaintext) = try decryptor.open(record: RFC8448.clientFinishedRecord)
        #expect(type == 22)
        #expect(plaintext.count == 36)
        #expect(Array(plaintext.prefix(4)) == [0x14, 0x00, 0x00, 0x20])
    }

    @Test func applicationRecordsDecryptInSequence() throws {
        var server = RFC8448.decryptor(key: RFC8448.serverApplicationKey, iv: RFC8448.serverApplicationIV)
        // The NewSessionTicket uses server sequence number 0, so the application record is number 1.
        let ticket = try server.open(record: RFC8448.newSessionTicketRecord)
        #expect(ticket.type == 22 && ticket.plaintext.first == 4)
        let serverData = try server.open(record: RFC8448.serverApplicationRecord)
        #expect(serverData.type == 23 && serverData.plaintext == RFC8448.applicationPayload)
        let serverAlert = try server.open(record: RFC8448.serverAlertRecord)
        #expect(serverAlert.type == 21 && serverAlert.plaintext == [1, 0])

        var client = RFC8448.decryptor(key: RFC8448.clientApplicationKey, iv: RFC8448.clientApplicationIV)
        let clientData = try client.open(record: RFC8448.clientApplicationRecord)
        #expect(clientData.type == 23 && clientData.plaintext == RFC8448.applicationPayload)
        let clientAlert = try client.open(record: RFC8448.clientAlertRecord)
        #expect(clientAlert.type == 21 && clientAlert.plaintext == [1, 0])
    }

    @Test func wrongSequenceNumberFailsTheTag() {
        var client = RFC8448.decryptor(key: RFC8448.clientApplicationKey, iv: RFC8448.clientApplicationIV)
        // The alert is record 1; opening it as record 0 must fail, and not advance the sequence.
        #expect(throws: TLSDecryptionError.tagFailed) { try client.open(record: RFC8448.clientAlertRecord) }
        #expect(client.sequence == 0)
    }

    /// The whole trace through the connection decoder, whole records and byte by byte.
    @Test(arguments: [false, true])
    func wholeConnectionThroughTheDecoder(byteByByte: Bool) {
        let inner = RecordingConsumer()
        var closedFacts: TLSConnectionFacts?
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: RFC8448.keyLog, inner: inner) {
            closedFacts = $0
        }
        let script: [(FlowDirection, [UInt8])] = [
            (.clientToServer, RFC8448.clientHelloRecord),
            (.serverToClient, RFC8448.serverHelloRecord + RFC8448.serverFlightRecord),
            (.clientToServer, RFC8448.clientFinishedRecord),
            (.serverToClient, RFC8448.newSessionTicketRecord),
            (.clientToServer, RFC8448.clientApplicationRecord),
            (.serverToClient, RFC8448.serverApplicationRecord),
            (.clientToServer, RFC8448.clientAlertRecord),
            (.serverToClient, RFC8448.serverAlertRecord),
        ]
        var t: Int64 = 1
        for (direction, bytes) in script {
            if byteByByte {
                for byte in bytes { decoder.feed([byte], direction, at: Timestamp(nanoseconds: t)); t += 1 }
            } else {
                decoder.feed(bytes, direction, at: Timestamp(nanoseconds: t)); t += 1
            }
        }
        decoder.close(reason: .fin, statistics: ConnectionStatistics(), at: Timestamp(nanoseconds: t))
        #expect(inner.bytes[0] == RFC8448.applicationPayload)
        #expect(inner.bytes[1] == RFC8448.applicationPayload)
        #expect(inner.closeReason == .fin)
        let facts = decoder.facts
        #expect(closedFacts?.decryption == .decrypted)
        #expect(facts.decryption == .decrypted)
        #expect(facts.version == .tls13)
        #expect(facts.cipherSuite?.name == "TLS_AES_128_GCM_SHA256")
        #expect(facts.serverName == "server")
        #expect(facts.offeredVersions == [.tls13])
        #expect(facts.offeredCipherSuites.map(\.rawValue) == [0x1301, 0x1303, 0x1302])
        #expect(!facts.resumed)
        #expect(facts.newSessionTickets == 1)
        #expect(facts.alerts.map(\.name) == ["close_notify", "close_notify"])
        #expect(facts.alerts.map(\.direction) == [.clientToServer, .serverToClient])
        #expect(facts.clientRecords.records == 4 && facts.clientRecords.decryptedRecords == 3)
        #expect(facts.serverRecords.records == 5 && facts.serverRecords.decryptedRecords == 4)
        // The RFC's server certificate: CN=rsa, made by the RFC's authors' test tool.
        #expect(facts.certificates.count == 1)
        #expect(facts.certificates.first?.subject == "CN=rsa")
        #expect(facts.notes.isEmpty)
        if byteByByte {
            // Each record is stamped with the time of its first byte.
            #expect(inner.times[0].count == 1 && inner.times[1].count == 1)
        }
    }

    @Test func withoutKeysTheFactsStillComeAndTheReasonIsNoKey() {
        let inner = RecordingConsumer()
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: TLSKeyLog(), inner: inner)
        decoder.feed(RFC8448.clientHelloRecord, .clientToServer)
        decoder.feed(RFC8448.serverHelloRecord + RFC8448.serverFlightRecord, .serverToClient)
        decoder.feed(RFC8448.clientFinishedRecord + RFC8448.clientApplicationRecord, .clientToServer)
        decoder.feed(RFC8448.newSessionTicketRecord + RFC8448.serverApplicationRecord, .serverToClient)
        let facts = decoder.facts
        #expect(facts.decryption == .notDecrypted(reason: "no key for this session"))
        #expect(facts.decryption.description == "not decrypted: no key for this session")
        #expect(facts.version == .tls13 && facts.serverName == "server")
        #expect(facts.clientRecords.undecryptedRecords == 2 && facts.serverRecords.undecryptedRecords == 3)
        #expect(inner.bytes[0].isEmpty && inner.bytes[1].isEmpty)
    }

    @Test func wrongKeysReportTheFailedTag() {
        let random = hexString(RFC8448.clientRandom)
        let wrong = String(repeating: "11", count: 32)
        let keyLog = TLSKeyLog(text: """
            CLIENT_HANDSHAKE_TRAFFIC_SECRET \(random) \(wrong)
            SERVER_HANDSHAKE_TRAFFIC_SECRET \(random) \(wrong)
            """)
        let decoder = TLSConnectionDecoder(connection: testConnection(), keyLog: keyLog, inner: nil)
        decoder.feed(RFC8448.clientHelloRecord, .clientToServer)
        decoder.feed(RFC8448.serverHelloRecord + RFC8448.serverFlightRecord, .serverToClient)
        #expect(decoder.facts.decryption == .notDecrypted(reason: "AEAD tag failed"))
        #expect(decoder.facts.notes.contains { $0.contains("AEAD tag failed") })
    }
}
