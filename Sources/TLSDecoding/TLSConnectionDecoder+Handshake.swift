import ByteReading
import CaptureIO
import Reassembly

/// Handshake messages and the key changes they trigger.
extension TLSConnectionDecoder {
    /// TLS 1.3 was negotiated (or a HelloRetryRequest, which only TLS 1.3 has, was sent).
    var isTLS13: Bool { serverHello?.version == 0x0304 || storedFacts.helloRetryRequest }

    /// Cuts whole handshake messages out of the direction's handshake bytes.
    func parseHandshakeMessages(_ s: TLSDirectionStream, at time: Timestamp) {
        var offset = 0
        let buffer = s.handshakeBuffer
        while buffer.count &- offset >= 4 {
            let type = buffer[offset]
            let length = Int(buffer[offset &+ 1]) << 16 | Int(buffer[offset &+ 2]) << 8 | Int(buffer[offset &+ 3])
            guard length <= limits.maximumHandshakeMessageLength else {
                note("\(s.direction == .clientToServer ? "client" : "server") handshake message of \(length) "
                     + "bytes exceeds the limit; handshake parsing of that direction stopped")
                s.handshakeBuffer = []
                return
            }
            guard buffer.count &- offset &- 4 >= length else { break }
            let bodyStart = offset &+ 4
            offset &+= 4 &+ length
            // `buffer` is this function's copy: handling may replace the stream's buffer.
            buffer.withUnsafeBytes { raw in
                handleHandshake(s, type: type, body: ByteReader(raw.clampedSlice(bodyStart, bodyStart &+ length)), at: time)
            }
            // A key change (Finished) must fall on a record boundary (RFC 8446 5.1); what follows
            // in this buffer would belong to the old keys, so stop here.
            if s.handshakeBuffer.isEmpty { return }
        }
        s.handshakeBuffer.removeFirst(min(offset, s.handshakeBuffer.count))
    }

    private func handleHandshake(_ s: TLSDirectionStream, type: UInt8, body: ByteReader, at time: Timestamp) {
        let fromClient = s.direction == .clientToServer
        switch type {
        case 0 where !fromClient:
            note("server sent HelloRequest (renegotiation)")
        case 1 where fromClient:
            guard let hello = TLSClientHello(body) else { return note("malformed ClientHello") }
            if clientHello != nil && !storedFacts.helloRetryRequest {
                note("second ClientHello (renegotiation)")
            }
            clientHello = hello
            recordClientHello(hello, at: time)
        case 2 where !fromClient:
            guard let hello = TLSServerHello(body) else { return note("malformed ServerHello") }
            recordServerHello(hello, at: time)
        case 8 where !fromClient:
            if let alpn = TLSHandshakeBodies.alpn(inEncryptedExtensions: body) { storedFacts.alpn = alpn }
        case 11 where !fromClient:
            guard storedFacts.certificates.isEmpty else { return }
            for der in TLSHandshakeBodies.certificates(in: body, tls13: isTLS13).prefix(16) {
                if let certificate = TLSCertificateFacts(derEncoded: der) {
                    storedFacts.certificates.append(certificate)
                } else {
                    note("certificate that is not X.509 DER")
                }
            }
        case 14 where !fromClient:
            serverHelloDoneSeen = true
        case 4 where !fromClient:
            storedFacts.newSessionTickets &+= 1
        case 20:
            s.finishedSeen = true
            if isTLS13 { startTLS13Application(s) }
        case 24 where isTLS13:
            keyUpdate(s)
        default:
            break
        }
    }

    private func recordClientHello(_ hello: TLSClientHello, at time: Timestamp) {
        storedFacts.clientHelloTime = storedFacts.clientHelloTime ?? time
        storedFacts.clientRandom = hello.random
        storedFacts.serverName = hello.serverName
        storedFacts.offeredALPN = hello.alpn
        let versions = hello.supportedVersions.isEmpty ? [hello.legacyVersion] : hello.supportedVersions
        storedFacts.offeredVersions = versions.map(TLSVersion.init(rawValue:)).filter { !$0.isGREASE }
        storedFacts.offeredCipherSuites = hello.cipherSuites.map(TLSCipherSuite.init(rawValue:)).filter { !$0.isGREASE }
        storedFacts.resumptionOffered = !hello.sessionID.isEmpty || hello.sessionTicket || hello.preSharedKey
        storedFacts.earlyDataOffered = hello.earlyData
    }

    private func recordServerHello(_ hello: TLSServerHello, at time: Timestamp) {
        storedFacts.serverHelloTime = storedFacts.serverHelloTime ?? time
        storedFacts.version = TLSVersion(rawValue: hello.version)
        storedFacts.cipherSuite = TLSCipherSuite(rawValue: hello.cipherSuite)
        if hello.isHelloRetryRequest {
            // The client answers with a second ClientHello; the real ServerHello follows.
            storedFacts.helloRetryRequest = true
            return
        }
        serverHello = hello
        if let alpn = hello.alpn { storedFacts.alpn = alpn }
        storedFacts.encryptThenMAC = hello.encryptThenMAC
        storedFacts.extendedMasterSecret = hello.extendedMasterSecret
        if hello.version == 0x0304 {
            storedFacts.resumed = hello.preSharedKey
            startTLS13Handshake()
        } else if !hello.sessionID.isEmpty, hello.sessionID == clientHello?.sessionID {
            storedFacts.resumed = true
        }
        // Client records held until now can be read.
        process(client)
    }

    // MARK: TLS 1.3

    private func tls13Secrets() -> (TLSCipherParameters, TLSSessionSecrets)? {
        guard let hello = serverHello else { return nil }
        let suite = TLSCipherSuite(rawValue: hello.cipherSuite)
        guard let parameters = suite.parameters, parameters.bulk != .aesCBC else {
            fail("unsupported cipher suite \(suite.name)")
            return nil
        }
        guard let random = clientHello?.random, let secrets = keyLog.secrets(forClientRandom: random) else {
            fail("no key for this session")
            return nil
        }
        return (parameters, secrets)
    }

    /// Both directions are protected from the ServerHello on, with the handshake traffic secrets.
    private func startTLS13Handshake() {
        client.isProtected = true
        server.isProtected = true
        guard let (parameters, secrets) = tls13Secrets() else { return }
        client.failure = nil  // "ServerHello not seen" for held records no longer applies
        server.failure = nil
        install(client, parameters, secrets.clientHandshakeTrafficSecret)
        install(server, parameters, secrets.serverHandshakeTrafficSecret)
    }

    /// After a direction's Finished, its records use application traffic secret 0.
    private func startTLS13Application(_ s: TLSDirectionStream) {
        guard s.decryptor != nil, let (parameters, secrets) = tls13Secrets() else { return }
        let secret = s.direction == .clientToServer ? secrets.clientTrafficSecret0 : secrets.serverTrafficSecret0
        install(s, parameters, secret)
        s.handshakeBuffer = []
    }

    private func keyUpdate(_ s: TLSDirectionStream) {
        storedFacts.keyUpdates &+= 1
        guard let decryptor = s.decryptor, let secret = s.trafficSecret else { return }
        let parameters = decryptor.parameters
        install(s, parameters, TLS13KeySchedule.nextTrafficSecret(parameters.prf, secret: secret))
        s.handshakeBuffer = []
    }

    private func install(_ s: TLSDirectionStream, _ parameters: TLSCipherParameters, _ secret: [UInt8]?) {
        guard let secret, secret.count == parameters.prf.outputLength else {
            s.decryptor = nil
            s.trafficSecret = nil
            if s.failure == nil { s.failure = "no key for this session" }
            return
        }
        let (key, iv) = TLS13KeySchedule.trafficKeys(parameters, secret: secret)
        s.decryptor = TLSRecordDecryptor(parameters: parameters, framing: .tls13, key: key, iv: iv)
        s.trafficSecret = secret
    }

    private func fail(_ reason: String) {
        for s in [client, server] {
            s.decryptor = nil
            if s.failure == nil { s.failure = reason }
        }
    }

    // MARK: TLS 1.2

    /// ChangeCipherSpec: this direction's later records use the keys from the latest hellos.
    func changeCipherSpec(_ s: TLSDirectionStream, at time: Timestamp) {
        // A TLS 1.3 client may send its compatibility ChangeCipherSpec before any ServerHello
        // (with 0-RTT data); it changes nothing (RFC 8446 D.4).
        if serverHello == nil, clientHello?.supportedVersions.contains(0x0304) == true { return }
        s.isProtected = true
        s.decryptor = nil
        if s.direction == .serverToClient && !serverHelloDoneSeen && serverHello != nil {
            storedFacts.resumed = true  // abbreviated handshake: no ServerHelloDone before CCS
        }
        guard let clientHello, let serverHello else {
            s.failure = s.failure ?? "handshake not in capture"
            return
        }
        let version = TLSVersion(rawValue: serverHello.version)
        guard version == .tls12 else {
            s.failure = s.failure ?? "\(version) not decrypted (TLS 1.2 and 1.3 only)"
            return
        }
        let suite = TLSCipherSuite(rawValue: serverHello.cipherSuite)
        guard let parameters = suite.parameters else {
            s.failure = s.failure ?? "unsupported cipher suite \(suite.name)"
            return
        }
        guard let master = keyLog.secrets(forClientRandom: clientHello.random)?.masterSecret else {
            s.failure = s.failure ?? "no key for this session"
            return
        }
        let keys = TLS12KeySchedule.keyMaterial(parameters: parameters, masterSecret: master,
                                                clientRandom: clientHello.random, serverRandom: serverHello.random)
        let fromClient = s.direction == .clientToServer
        let framing: TLSRecordDecryptor.Framing
        switch parameters.bulk {
        case .aesGCM: framing = .tls12ExplicitNonce
        case .chaCha20Poly1305: framing = .tls12XorNonce
        case .aesCBC: framing = .tls12CBC(encryptThenMAC: serverHello.encryptThenMAC)
        }
        s.decryptor = TLSRecordDecryptor(parameters: parameters, framing: framing,
                                         key: fromClient ? keys.clientKey : keys.serverKey,
                                         iv: fromClient ? keys.clientIV : keys.serverIV,
                                         macKey: fromClient ? keys.clientMACKey : keys.serverMACKey)
        s.failure = nil
    }
}
