import Crypto

/// Why one protected record could not be opened.
enum TLSDecryptionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The AEAD tag did not verify: wrong key, wrong sequence number or corrupt bytes.
    case tagFailed
    /// CBC suites: the HMAC or the padding did not verify.
    case macFailed
    /// The record is too short, or not a whole number of blocks, for its cipher.
    case malformed
    /// TLS 1.3: the inner plaintext was all padding, with no content type.
    case missingContentType

    var description: String {
        switch self {
        case .tagFailed: return "AEAD tag failed"
        case .macFailed: return "MAC check failed"
        case .malformed: return "corrupt record (too short for its cipher)"
        case .missingContentType: return "corrupt record (TLS 1.3 inner content type missing)"
        }
    }
}

/// Opens the protected records of one direction, counting their sequence numbers.
struct TLSRecordDecryptor {
    enum Framing: Sendable, Equatable {
        /// TLS 1.2 AES-GCM: 4-byte salt from the key block + 8-byte explicit nonce per record (RFC 5288).
        case tls12ExplicitNonce
        /// TLS 1.2 ChaCha20-Poly1305: IV XOR sequence number (RFC 7905).
        case tls12XorNonce
        /// TLS 1.1+ CBC with its explicit per-record IV; MAC-then-encrypt or encrypt-then-MAC (RFC 7366).
        case tls12CBC(encryptThenMAC: Bool)
        /// TLS 1.3: IV XOR sequence number, header as additional data, inner content type (RFC 8446 5.2).
        case tls13
    }

    let parameters: TLSCipherParameters
    let framing: Framing
    private let key: SymmetricKey
    /// The same key's bytes, for libcrypto's AES-CBC.
    private let keyBytes: [UInt8]
    private let iv: [UInt8]
    private let macKey: [UInt8]
    /// The sequence number of the next record.
    private(set) var sequence: UInt64 = 0

    init(parameters: TLSCipherParameters, framing: Framing, key: [UInt8], iv: [UInt8], macKey: [UInt8] = []) {
        self.parameters = parameters
        self.framing = framing
        self.key = SymmetricKey(data: key)
        keyBytes = key
        self.iv = iv
        self.macKey = macKey
    }

    private static let tagLength = 16
    private static let blockLength = 16

    /// Opens a record; `header` is its 5-byte record header. Returns the real content type and
    /// the plaintext; the sequence number advances only on success.
    mutating func open(header: [UInt8], body: ArraySlice<UInt8>) throws(TLSDecryptionError) -> (type: UInt8, plaintext: [UInt8]) {
        guard header.count == 5 else { throw .malformed }
        let type = header[0]
        let result: (UInt8, [UInt8])
        switch framing {
        case .tls12ExplicitNonce:
            guard body.count >= 8 + Self.tagLength else { throw .malformed }
            let start = body.startIndex
            let nonce = iv + body[start..<(start + 8)]
            let ciphertext = body[(start + 8)..<(body.endIndex - Self.tagLength)]
            let tag = body[(body.endIndex - Self.tagLength)...]
            let aad = tls12AdditionalData(type: type, header: header, length: ciphertext.count)
            result = (type, try aeadOpen(nonce: nonce, ciphertext: ciphertext, tag: tag, aad: aad))
        case .tls12XorNonce:
            guard body.count >= Self.tagLength else { throw .malformed }
            let ciphertext = body[body.startIndex..<(body.endIndex - Self.tagLength)]
            let tag = body[(body.endIndex - Self.tagLength)...]
            let aad = tls12AdditionalData(type: type, header: header, length: ciphertext.count)
            result = (type, try aeadOpen(nonce: xorNonce(), ciphertext: ciphertext, tag: tag, aad: aad))
        case .tls12CBC(let encryptThenMAC):
            result = (type, try openCBC(type: type, header: header, body: body, encryptThenMAC: encryptThenMAC))
        case .tls13:
            guard body.count >= Self.tagLength + 1 else { throw .malformed }
            let ciphertext = body[body.startIndex..<(body.endIndex - Self.tagLength)]
            let tag = body[(body.endIndex - Self.tagLength)...]
            var inner = try aeadOpen(nonce: xorNonce(), ciphertext: ciphertext, tag: tag, aad: header)
            // TLSInnerPlaintext: content, then the real type, then zero padding.
            while let last = inner.last, last == 0 { inner.removeLast() }
            guard let realType = inner.popLast() else { throw .missingContentType }
            result = (realType, inner)
        }
        sequence &+= 1
        return result
    }

    /// seq_num + type + version + length (RFC 5246 6.2.3.3).
    private func tls12AdditionalData(type: UInt8, header: [UInt8], length: Int) -> [UInt8] {
        var aad = sequenceBytes()
        aad += [type, header[1], header[2], UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        return aad
    }

    private func sequenceBytes() -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: sequence >> UInt64(56 - 8 * $0)) }
    }

    /// The per-record nonce: the IV with the big-endian sequence number XORed into its last 8 bytes.
    private func xorNonce() -> [UInt8] {
        var nonce = iv
        guard nonce.count >= 8 else { return nonce }
        let sequence = sequenceBytes()
        for i in 0..<8 { nonce[nonce.count - 8 + i] ^= sequence[i] }
        return nonce
    }

    private func aeadOpen(nonce: [UInt8], ciphertext: ArraySlice<UInt8>, tag: ArraySlice<UInt8>,
                          aad: [UInt8]) throws(TLSDecryptionError) -> [UInt8] {
        do {
            switch parameters.bulk {
            case .aesGCM:
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
                return Array(try AES.GCM.open(box, using: key, authenticating: aad))
            case .chaCha20Poly1305:
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
                return Array(try ChaChaPoly.open(box, using: key, authenticating: aad))
            case .aesCBC:
                throw TLSDecryptionError.malformed
            }
        } catch {
            throw .tagFailed
        }
    }

    private func openCBC(type: UInt8, header: [UInt8], body: ArraySlice<UInt8>,
                         encryptThenMAC: Bool) throws(TLSDecryptionError) -> [UInt8] {
        let macLength = parameters.macLength
        guard let hash = parameters.mac else { throw .malformed }
        func mac(over content: ArraySlice<UInt8>) -> [UInt8] {
            var message = tls12AdditionalData(type: type, header: header, length: content.count)
            message += content
            return TLS12KeySchedule.hmac(hash, key: macKey, message: message)
        }
        let encrypted: ArraySlice<UInt8>
        if encryptThenMAC {
            // IV + ciphertext, then the MAC over them (RFC 7366 section 3).
            guard body.count >= 2 * Self.blockLength + macLength else { throw .malformed }
            let macStart = body.endIndex - macLength
            encrypted = body[body.startIndex..<macStart]
            guard encrypted.count % Self.blockLength == 0 else { throw .malformed }
            guard constantTimeEqual(mac(over: encrypted), body[macStart...]) else { throw .macFailed }
        } else {
            guard body.count >= 2 * Self.blockLength, body.count % Self.blockLength == 0 else { throw .malformed }
            encrypted = body
        }
        let ivEnd = encrypted.startIndex + Self.blockLength
        guard let decrypted = AESCBCDecryption.decrypt(encrypted[ivEnd...], key: keyBytes, iv: encrypted[encrypted.startIndex..<ivEnd]) else {
            throw .malformed
        }
        // Padding: `pad` bytes of value `pad`, then the length byte `pad`.
        guard let pad = decrypted.last, Int(pad) + 1 <= decrypted.count else { throw .macFailed }
        let unpaddedCount = decrypted.count - Int(pad) - 1
        for byte in decrypted[unpaddedCount...] where byte != pad { throw .macFailed }
        if encryptThenMAC { return Array(decrypted[..<unpaddedCount]) }
        guard unpaddedCount >= macLength else { throw .macFailed }
        let contentCount = unpaddedCount - macLength
        let content = decrypted[..<contentCount]
        guard constantTimeEqual(mac(over: content), decrypted[contentCount..<unpaddedCount]) else { throw .macFailed }
        return Array(content)
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
