/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP allocates a
   context (and OpenSSL 3's one-shot SHA256() goes through EVP): SecretMask hashes one small
   secret per request on a stack context, about 3x faster here. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
