#pragma once
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>
#include <stdint.h>

// Typed wrappers so Swift calls one function per digest with plain pointers and lengths.
// Each returns 1 on success and 0 on failure, like the OpenSSL calls they wrap.

/// SHA-256 of `len` bytes at `data` into `out` (32 bytes).
static inline int zael_sha256(const void *data, size_t len, uint8_t *out) {
    unsigned int outLen = 0;
    return EVP_Digest(data, len, out, &outLen, EVP_sha256(), NULL) == 1 && outLen == 32;
}

/// HMAC-SHA256 of `len` bytes at `data` under `key` into `out` (32 bytes).
static inline int zael_hmac_sha256(const void *key, size_t keyLen, const void *data, size_t len, uint8_t *out) {
    unsigned int outLen = 0;
    // One-shot HMAC() is not deprecated in OpenSSL 3 (only the HMAC_CTX API is).
    const unsigned char *result = HMAC(EVP_sha256(), key, (int)keyLen, data, len, out, &outLen);
    return result != NULL && outLen == 32;
}
