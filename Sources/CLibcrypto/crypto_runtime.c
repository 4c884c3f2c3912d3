// OpenSSL's libcrypto, loaded with dlopen on the first call rather than linked: a process that
// links libcrypto.so.3 maps and relocates its 4.5 MB on every start (0.9 ms of CPU for a C hello
// world against 0.4 ms), and only the commands that hash uploads or secrets (http, analyze,
// sql, capture) or decrypt TLS 1.2 CBC records call it.
//
// The functions are defined here with OpenSSL's own prototypes (its headers declare them, so a
// mismatch does not compile) and call the library's. Without libcrypto they fail as OpenSSL's
// do: NULL, or 0 for "failed".
#include "CLibcrypto.h"

#include <CLazyLibrary.h>

// Every libcrypto function called, each looked up once (Packaging/build-deb reads this list).
#define GT_CRYPTO_FUNCTIONS(X) \
    X(EVP_MD_CTX_new) X(EVP_MD_CTX_free) X(EVP_MD_CTX_copy_ex) X(EVP_DigestInit_ex) X(EVP_DigestUpdate) \
    X(EVP_DigestFinal_ex) X(EVP_sha512) X(EVP_aes_128_cbc) X(EVP_aes_256_cbc) X(EVP_CIPHER_CTX_new) \
    X(EVP_CIPHER_CTX_free) X(EVP_CIPHER_CTX_set_padding) X(EVP_DecryptInit_ex) X(EVP_DecryptUpdate) \
    X(EVP_DecryptFinal_ex) X(SHA256_Init) X(SHA256_Update) X(SHA256_Final)

// OpenSSL 3's soname: the API and ABI these declarations come from.
GT_LAZY_LIBRARY(GT_CRYPTO_FUNCTIONS, "libcrypto", NULL, "libcrypto.so.3")

int gt_crypto_load(char *error, size_t error_size) {
    gt_ready();
    return gt_lazy_library_report(&gt_library, error, error_size);
}

// SHA-512 of uploads (SHA512Stream).
GT_LAZY_FORWARD EVP_MD_CTX *EVP_MD_CTX_new(void) { return GT_LAZY_CALL(NULL, EVP_MD_CTX_new); }
GT_LAZY_FORWARD void EVP_MD_CTX_free(EVP_MD_CTX *context) {
    if (gt_ready()) GT_LAZY_FUNCTION(EVP_MD_CTX_free)(context);
}
GT_LAZY_FORWARD int EVP_MD_CTX_copy_ex(EVP_MD_CTX *out, const EVP_MD_CTX *in) { return GT_LAZY_CALL(0, EVP_MD_CTX_copy_ex, out, in); }
GT_LAZY_FORWARD const EVP_MD *EVP_sha512(void) { return GT_LAZY_CALL(NULL, EVP_sha512); }
GT_LAZY_FORWARD int EVP_DigestInit_ex(EVP_MD_CTX *context, const EVP_MD *type, ENGINE *engine) {
    return GT_LAZY_CALL(0, EVP_DigestInit_ex, context, type, engine);
}
GT_LAZY_FORWARD int EVP_DigestUpdate(EVP_MD_CTX *context, const void *data, size_t count) {
    return GT_LAZY_CALL(0, EVP_DigestUpdate, context, data, count);
}
GT_LAZY_FORWARD int EVP_DigestFinal_ex(EVP_MD_CTX *context, unsigned char *digest, unsigned int *length) {
    return GT_LAZY_CALL(0, EVP_DigestFinal_ex, context, digest, length);
}

// AES-CBC of TLS 1.2 CBC suites (AESCBCDecryption).
GT_LAZY_FORWARD const EVP_CIPHER *EVP_aes_128_cbc(void) { return GT_LAZY_CALL(NULL, EVP_aes_128_cbc); }
GT_LAZY_FORWARD const EVP_CIPHER *EVP_aes_256_cbc(void) { return GT_LAZY_CALL(NULL, EVP_aes_256_cbc); }
GT_LAZY_FORWARD EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void) { return GT_LAZY_CALL(NULL, EVP_CIPHER_CTX_new); }
GT_LAZY_FORWARD void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *context) {
    if (gt_ready()) GT_LAZY_FUNCTION(EVP_CIPHER_CTX_free)(context);
}
GT_LAZY_FORWARD int EVP_CIPHER_CTX_set_padding(EVP_CIPHER_CTX *context, int padding) {
    return GT_LAZY_CALL(0, EVP_CIPHER_CTX_set_padding, context, padding);
}
GT_LAZY_FORWARD int EVP_DecryptInit_ex(EVP_CIPHER_CTX *context, const EVP_CIPHER *cipher, ENGINE *engine,
                                 const unsigned char *key, const unsigned char *iv) {
    return GT_LAZY_CALL(0, EVP_DecryptInit_ex, context, cipher, engine, key, iv);
}
GT_LAZY_FORWARD int EVP_DecryptUpdate(EVP_CIPHER_CTX *context, unsigned char *out, int *written, const unsigned char *in, int length) {
    return GT_LAZY_CALL(0, EVP_DecryptUpdate, context, out, written, in, length);
}
GT_LAZY_FORWARD int EVP_DecryptFinal_ex(EVP_CIPHER_CTX *context, unsigned char *out, int *written) {
    return GT_LAZY_CALL(0, EVP_DecryptFinal_ex, context, out, written);
}

// SHA-256 fingerprints of secrets (SecretMask).
GT_LAZY_FORWARD int SHA256_Init(SHA256_CTX *context) { return GT_LAZY_CALL(0, SHA256_Init, context); }
GT_LAZY_FORWARD int SHA256_Update(SHA256_CTX *context, const void *data, size_t length) {
    return GT_LAZY_CALL(0, SHA256_Update, context, data, length);
}
GT_LAZY_FORWARD int SHA256_Final(unsigned char *digest, SHA256_CTX *context) { return GT_LAZY_CALL(0, SHA256_Final, digest, context); }
