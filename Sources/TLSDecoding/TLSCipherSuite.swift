/// A TLS cipher suite code with its IANA name.
package struct TLSCipherSuite: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package var rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The IANA name (`TLS_AES_128_GCM_SHA256`), or `0xXXXX` for a code this table does not know.
    package var name: String { TLSCipherSuite.table[rawValue]?.name ?? (isGREASE ? "GREASE" : hexCode(rawValue)) }
    package var description: String { name }

    /// GREASE values (RFC 8701) carry no meaning.
    package var isGREASE: Bool { rawValue & 0x0f0f == 0x0a0a && rawValue >> 8 == rawValue & 0xff }

    /// Whether this decoder can remove the record protection of this suite given the keys.
    package var isDecryptable: Bool { parameters != nil }

    var parameters: TLSCipherParameters? { TLSCipherSuite.table[rawValue]?.parameters }

    // Suites seen from OpenSSL, NSS, GnuTLS and Go defaults; names from the IANA registry.
    private static let table: [UInt16: (name: String, parameters: TLSCipherParameters?)] = {
        var t = [UInt16: (name: String, parameters: TLSCipherParameters?)]()
        func add(_ code: UInt16, _ name: String, _ p: TLSCipherParameters?) { t[code] = (name, p) }
        let gcm128 = TLSCipherParameters(bulk: .aesGCM, keyLength: 16, mac: nil, prf: .sha256)
        let gcm256 = TLSCipherParameters(bulk: .aesGCM, keyLength: 32, mac: nil, prf: .sha384)
        let chacha = TLSCipherParameters(bulk: .chaCha20Poly1305, keyLength: 32, mac: nil, prf: .sha256)
        func cbc(_ key: Int, _ mac: TLSHashFunction, prf: TLSHashFunction = .sha256) -> TLSCipherParameters {
            TLSCipherParameters(bulk: .aesCBC, keyLength: key, mac: mac, prf: prf)
        }
        // TLS 1.3 (RFC 8446 B.4)
        add(0x1301, "TLS_AES_128_GCM_SHA256", gcm128)
        add(0x1302, "TLS_AES_256_GCM_SHA384", gcm256)
        add(0x1303, "TLS_CHACHA20_POLY1305_SHA256", chacha)
        add(0x1304, "TLS_AES_128_CCM_SHA256", nil)
        add(0x1305, "TLS_AES_128_CCM_8_SHA256", nil)
        // TLS 1.2 AEAD (RFC 5288, 5289, 7905)
        add(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", gcm128)
        add(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", gcm256)
        add(0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", gcm128)
        add(0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", gcm256)
        add(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", gcm128)
        add(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", gcm256)
        add(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", gcm128)
        add(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", gcm256)
        add(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", chacha)
        add(0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", chacha)
        add(0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", chacha)
        // TLS 1.2 CBC with HMAC (RFC 5246, 4492, 5289)
        add(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", cbc(16, .sha1))
        add(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", cbc(32, .sha1))
        add(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", cbc(16, .sha256))
        add(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", cbc(32, .sha256))
        add(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", cbc(16, .sha1))
        add(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", cbc(32, .sha1))
        add(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", cbc(16, .sha256))
        add(0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", cbc(32, .sha256))
        add(0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", cbc(16, .sha1))
        add(0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", cbc(32, .sha1))
        add(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", cbc(16, .sha1))
        add(0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", cbc(32, .sha1))
        add(0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", cbc(16, .sha256))
        add(0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", cbc(32, .sha384, prf: .sha384))
        add(0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", cbc(16, .sha256))
        add(0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", cbc(32, .sha384, prf: .sha384))
        // Named only: not decrypted.
        add(0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", nil)
        add(0x0005, "TLS_RSA_WITH_RC4_128_SHA", nil)
        add(0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", nil)
        add(0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", nil)
        add(0xC09C, "TLS_RSA_WITH_AES_128_CCM", nil)
        add(0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", nil)
        add(0x5600, "TLS_FALLBACK_SCSV", nil)
        return t
    }()
}

/// The hash behind a suite's PRF, HKDF or HMAC.
enum TLSHashFunction: Sendable {
    case sha1, sha256, sha384
    var outputLength: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        }
    }
}

/// What record protection needs to know about a suite.
struct TLSCipherParameters: Sendable, Hashable {
    enum Bulk: Sendable, Hashable { case aesGCM, chaCha20Poly1305, aesCBC }
    var bulk: Bulk
    var keyLength: Int
    /// HMAC for CBC suites; nil for AEAD.
    var mac: TLSHashFunction?
    /// The TLS 1.2 PRF hash, which is also the TLS 1.3 HKDF hash.
    var prf: TLSHashFunction

    var macLength: Int { mac?.outputLength ?? 0 }

    /// TLS 1.2 key block IV bytes: GCM's 4-byte salt (RFC 5288), ChaCha's 12-byte IV (RFC 7905);
    /// CBC in TLS 1.1+ carries its IV in each record, the block's IVs are unused.
    var fixedIVLength: Int {
        switch bulk {
        case .aesGCM: return 4
        case .chaCha20Poly1305: return 12
        case .aesCBC: return 16
        }
    }
}
