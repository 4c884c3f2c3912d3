import Crypto

/// TLS 1.3 traffic keys from logged traffic secrets (RFC 8446 section 7).
enum TLS13KeySchedule {
    /// HKDF-Expand-Label(secret, label, context, length) with the "tls13 " prefix (RFC 8446 7.1).
    static func expandLabel(_ hash: TLSHashFunction, secret: [UInt8], label: String,
                            context: [UInt8] = [], length: Int) -> [UInt8] {
        let fullLabel = Array("tls13 ".utf8) + Array(label.utf8)
        var info = [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        info.append(UInt8(truncatingIfNeeded: fullLabel.count))
        info += fullLabel
        info.append(UInt8(truncatingIfNeeded: context.count))
        info += context
        let key: SymmetricKey
        switch hash {
        case .sha1: key = HKDF<Insecure.SHA1>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
        case .sha256: key = HKDF<SHA256>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
        case .sha384: key = HKDF<SHA384>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
        }
        return key.withUnsafeBytes { Array($0) }
    }

    /// The write key and IV of a traffic secret: [sender]_write_key and [sender]_write_iv.
    static func trafficKeys(_ parameters: TLSCipherParameters, secret: [UInt8]) -> (key: [UInt8], iv: [UInt8]) {
        (expandLabel(parameters.prf, secret: secret, label: "key", length: parameters.keyLength),
         expandLabel(parameters.prf, secret: secret, label: "iv", length: 12))
    }

    /// The next application traffic secret after a KeyUpdate (RFC 8446 7.2).
    static func nextTrafficSecret(_ hash: TLSHashFunction, secret: [UInt8]) -> [UInt8] {
        expandLabel(hash, secret: secret, label: "traffic upd", length: hash.outputLength)
    }
}
