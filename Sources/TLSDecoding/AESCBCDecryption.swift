import CLibcrypto

/// AES-CBC decryption of whole blocks, padding left in place (TLS checks it in constant time
/// itself), by OpenSSL's libcrypto.
///
/// Not swift-crypto's `_CryptoExtras.AES._CBC`: that module pulls SwiftASN1 and RSA, ECDSA and
/// other code TLS decryption never runs into the binary, hundreds of protocol conformances and
/// relocations every process paid for at start-up; libcrypto is linked anyway (SHA-512).
enum AESCBCDecryption {
    static let blockLength = 16

    /// The plaintext of `ciphertext` (a whole number of blocks) under a 16- or 32-byte key; nil
    /// for any other key or IV length, a partial block, or a libcrypto failure.
    static func decrypt(_ ciphertext: ArraySlice<UInt8>, key: [UInt8], iv: ArraySlice<UInt8>) -> [UInt8]? {
        let cipher: OpaquePointer?
        switch key.count {
        case 16: cipher = EVP_aes_128_cbc()
        case 32: cipher = EVP_aes_256_cbc()
        default: return nil
        }
        guard iv.count == blockLength, !ciphertext.isEmpty, ciphertext.count % blockLength == 0,
              let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let input = Array(ciphertext), iv = Array(iv)
        guard EVP_DecryptInit_ex(context, cipher, nil, key, iv) == 1, EVP_CIPHER_CTX_set_padding(context, 0) == 1,
              let inputLength = Int32(exactly: input.count) else { return nil }
        // Without padding removal the output is exactly the input's length; one block more is
        // what libcrypto may be told it can use.
        var output = [UInt8](repeating: 0, count: input.count + blockLength)
        var written: Int32 = 0
        var finished: Int32 = 0
        let ok = output.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress,
                  EVP_DecryptUpdate(context, base, &written, input, inputLength) == 1,
                  written >= 0, Int(written) <= input.count else { return false }
            return EVP_DecryptFinal_ex(context, base + Int(written), &finished) == 1
        }
        guard ok, finished >= 0, Int(written) + Int(finished) == input.count else { return nil }
        output.removeLast(output.count - input.count)
        return output
    }
}
