import Testing
@testable import TLSDecoding

@Suite struct TLS12KeyScheduleTests {
    /// The TLS 1.2 PRF test vectors posted to the IETF TLS list (tls1.2-prf-test-vectors),
    /// re-computed independently with Python's hmac module when these tests were written.
    @Test func prfSHA256Vector() {
        let output = TLS12KeySchedule.prf(.sha256, secret: hex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35"),
                                          label: "test label", seed: hex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c"),
                                          count: 100)
        #expect(output == hex("""
            e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af
            0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
            87347b66
            """))
    }

    @Test func prfSHA384Vector() {
        let output = TLS12KeySchedule.prf(.sha384, secret: hex("b8 0b 73 3d 6c ee fc dc 71 56 6e a4 8e 55 67 df"),
                                          label: "test label", seed: hex("cd 66 5c f6 a8 44 7d d6 ff 8b 27 55 5e db 74 65"),
                                          count: 148)
        #expect(output == hex("""
            7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0
            e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
            9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e099070
            3d73e56f
            """))
    }

    /// key_block = PRF(master, "key expansion", server_random + client_random), split per RFC 5246
    /// 6.3; expected bytes from Python's hmac with master 00..2f, client random 64..83, server random c8..e7.
    @Test func keyBlockSplitsForGCMAndCBC() throws {
        let master = (0..<48).map { UInt8($0) }
        let clientRandom = (100..<132).map { UInt8($0) }
        let serverRandom = (200..<232).map { UInt8($0) }
        let gcm = try #require(TLSCipherSuite(rawValue: 0xC02F).parameters)
        let gcmKeys = TLS12KeySchedule.keyMaterial(parameters: gcm, masterSecret: master,
                                                   clientRandom: clientRandom, serverRandom: serverRandom)
        let block = hex("de62d3ee5dc8b42d2f657afce5c1a5bd07033d2a02facf4db7c22ce88bf3cca35f352e46b91ee32d")
        #expect(gcmKeys.clientMACKey.isEmpty && gcmKeys.serverMACKey.isEmpty)
        #expect(gcmKeys.clientKey == Array(block[0..<16]))
        #expect(gcmKeys.serverKey == Array(block[16..<32]))
        #expect(gcmKeys.clientIV == Array(block[32..<36]))
        #expect(gcmKeys.serverIV == Array(block[36..<40]))

        let cbc = try #require(TLSCipherSuite(rawValue: 0xC013).parameters)
        let cbcKeys = TLS12KeySchedule.keyMaterial(parameters: cbc, masterSecret: master,
                                                   clientRandom: clientRandom, serverRandom: serverRandom)
        let cbcBlock = hex("""
            de62d3ee5dc8b42d2f657afce5c1a5bd07033d2a02facf4db7c22ce88bf3cca35f352e46b91ee32d419c4f53c6045996
            25ee4e7a5eb33026440c206cf046931b15997d79a841d73916832493177294f30b8d166c80af4fdb8d5338b54ac23bb2
            3fca905c30b48d3b
            """)
        #expect(cbcKeys.clientMACKey == Array(cbcBlock[0..<20]))
        #expect(cbcKeys.serverMACKey == Array(cbcBlock[20..<40]))
        #expect(cbcKeys.clientKey == Array(cbcBlock[40..<56]))
        #expect(cbcKeys.serverKey == Array(cbcBlock[56..<72]))
    }

    @Test func suiteNamesAndSupport() {
        #expect(TLSCipherSuite(rawValue: 0xC030).name == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        #expect(TLSCipherSuite(rawValue: 0xC030).isDecryptable)
        #expect(TLSCipherSuite(rawValue: 0x1304).name == "TLS_AES_128_CCM_SHA256")
        #expect(!TLSCipherSuite(rawValue: 0x1304).isDecryptable)
        #expect(TLSCipherSuite(rawValue: 0x1234).name == "0x1234")
        #expect(TLSCipherSuite(rawValue: 0x2a2a).isGREASE)
        #expect(TLSVersion(rawValue: 0x7f1c).description == "TLS 1.3 draft 28")
    }
}
