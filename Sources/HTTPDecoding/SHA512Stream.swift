import CLibcrypto
import Crypto

/// SHA-512 over a stream of bytes, computed by OpenSSL's libcrypto.
///
/// Not swift-crypto's `SHA512`: its BoringSSL has only the AVX code path for SHA-512, which hashes
/// about 250 MB/s on the benchmark machine against 600 MB/s for OpenSSL's AVX2 code, and SHA-512
/// of the image data is what bounds `http` and `analyze` on a large upload.
final class SHA512Stream {
    private let context: OpaquePointer?
    /// swift-crypto's SHA-512 where libcrypto could not be loaded (Sources/CLibcrypto): the same
    /// digest, slower.
    private var fallback: SHA512?

    init() {
        context = EVP_MD_CTX_new()
        if let context {
            EVP_DigestInit_ex(context, EVP_sha512(), nil)
        } else if gt_crypto_load(nil, 0) == 0 {
            fallback = SHA512()
        }
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if let context {
            EVP_DigestUpdate(context, base, bytes.count)
        } else {
            fallback?.update(bufferPointer: bytes)
        }
    }

    /// The digest of the bytes so far, leaving the stream open for more (a copy of the context is
    /// finished); nil when libcrypto could not allocate or copy it.
    func snapshot() -> String? {
        if let fallback { return Hex.string(fallback.finalize()) }  // a copy: `fallback` goes on
        guard let context, let copy = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(copy) }
        guard EVP_MD_CTX_copy_ex(copy, context) == 1 else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(copy, &digest, &length) == 1 else { return nil }
        return Hex.string(digest.prefix(Int(length)))
    }

    /// The digest as lowercase hex; nil when libcrypto could not allocate or finish the context.
    func finalize() -> String? {
        if let fallback { return Hex.string(fallback.finalize()) }
        guard let context else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else { return nil }
        return Hex.string(digest.prefix(Int(length)))
    }
}
