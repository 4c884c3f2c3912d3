#ifndef GLANCETRACE_CLIBCRYPTO_H
#define GLANCETRACE_CLIBCRYPTO_H

// The part of OpenSSL's libcrypto glancetrace uses, as its headers declare it, served by
// Sources/CLibcrypto/crypto_runtime.c, which loads libcrypto.so.3 with dlopen on the first call
// instead of the binary linking it: `info`, `split` and `--version` never load it.
//
// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP allocates a
// context (and OpenSSL 3's one-shot SHA256() goes through EVP): SecretMask hashes one small
// secret per request on a stack context, about 3x faster here.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

/// Loads libcrypto.so.3 (once per process; every call below does it too). Returns 1 when it is
/// usable, 0 when it is not, with the loader's reason, NUL-terminated, in `error` (if
/// `error_size` > 0). While it is not, the functions fail as OpenSSL's do: NULL or 0.
int gt_crypto_load(char *error, size_t error_size);

#endif
