import Crypto

/// TLS 1.2 key derivation from a logged master secret (RFC 5246 section 5 and 6.3).
enum TLS12KeySchedule {
    /// HMAC of `message` under `key` with the given hash.
    static func hmac(_ hash: TLSHashFunction, key: [UInt8], message: [UInt8]) -> [UInt8] {
        let symmetricKey = SymmetricKey(data: key)
        switch hash {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetricKey))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey))
        case .sha384: return Array(HMAC<SHA384>.authenticationCode(for: message, using: symmetricKey))
        }
    }

    /// PRF(secret, label, seed) = P_hash(secret, label + seed), `count` bytes.
    static func prf(_ hash: TLSHashFunction, secret: [UInt8], label: String, seed: [UInt8], count: Int) -> [UInt8] {
        let labelAndSeed = Array(label.utf8) + seed
        var output = [UInt8]()
        output.reserveCapacity(count + hash.outputLength)
        // A(0) = seed; A(i) = HMAC(secret, A(i-1)); output = HMAC(secret, A(1) + seed) + ...
        var a = labelAndSeed
        while output.count < count {
            a = hmac(hash, key: secret, message: a)
            output += hmac(hash, key: secret, message: a + labelAndSeed)
        }
        return Array(output.prefix(count))
    }

    /// The key block split into its parts.
    struct KeyMaterial: Sendable {
        var clientMACKey: [UInt8]
        var serverMACKey: [UInt8]
        var clientKey: [UInt8]
        var serverKey: [UInt8]
        var clientIV: [UInt8]
        var serverIV: [UInt8]
    }

    /// key_block = PRF(master_secret, "key expansion", server_random + client_random).
    static func keyMaterial(parameters p: TLSCipherParameters, masterSecret: [UInt8],
                            clientRandom: [UInt8], serverRandom: [UInt8]) -> KeyMaterial {
        let mac = p.macLength, key = p.keyLength, iv = p.fixedIVLength
        let block = prf(p.prf, secret: masterSecret, label: "key expansion",
                        seed: serverRandom + clientRandom, count: 2 * (mac + key + iv))
        var offset = 0
        func take(_ n: Int) -> [UInt8] {
            defer { offset += n }
            return Array(block[offset..<(offset + n)])
        }
        return KeyMaterial(clientMACKey: take(mac), serverMACKey: take(mac), clientKey: take(key),
                           serverKey: take(key), clientIV: take(iv), serverIV: take(iv))
    }
}
