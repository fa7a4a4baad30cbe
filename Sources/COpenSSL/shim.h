#pragma once
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// Typed wrappers so Swift calls one function per digest with plain pointers and lengths.
// Each returns 1 on success and 0 on failure, like the OpenSSL calls they wrap.

/// SHA-256 fetched once from the default provider. OpenSSL 3 resolves `EVP_sha256()` again in
/// every digest initialisation (a locked method-store lookup, and the one-shot `HMAC()` fetches a
/// MAC and a digest each call); an explicitly fetched method skips that. The first callers may
/// race to fetch: one result is kept, the others freed.
static inline const EVP_MD *zael_sha256_method(void) {
    static EVP_MD *cached = NULL;
    EVP_MD *md = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);
    if (md != NULL) return md;
    EVP_MD *fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (fetched == NULL) return EVP_sha256();
    EVP_MD *expected = NULL;
    if (__atomic_compare_exchange_n(&cached, &expected, fetched, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        return fetched;
    }
    EVP_MD_free(fetched);
    return expected;
}

/// SHA-256 of `len` bytes at `data` into `out` (32 bytes).
static inline int zael_sha256(const void *data, size_t len, uint8_t *out) {
    unsigned int outLen = 0;
    return EVP_Digest(data, len, out, &outLen, zael_sha256_method(), NULL) == 1 && outLen == 32;
}

/// HMAC-SHA256 of `len` bytes at `data` under `key` into `out` (32 bytes), computed from its
/// definition (RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)), K padded to the 64-byte block,
/// hashed first when longer) over the fetched SHA-256.
static inline int zael_hmac_sha256(const void *key, size_t keyLen, const void *data, size_t len, uint8_t *out) {
    const EVP_MD *md = zael_sha256_method();
    unsigned char block[64];
    unsigned char pad[64];
    unsigned char inner[32];
    unsigned int outLen = 0;
    memset(block, 0, sizeof block);
    if (keyLen > sizeof block) {
        if (!zael_sha256(key, keyLen, block)) return 0;
    } else if (keyLen > 0) {
        memcpy(block, key, keyLen);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return 0;
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = block[i] ^ 0x36;
    int ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, pad, sizeof pad) == 1
             && EVP_DigestUpdate(ctx, data, len) == 1 && EVP_DigestFinal_ex(ctx, inner, &outLen) == 1 && outLen == 32;
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = block[i] ^ 0x5c;
    ok = ok && EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, pad, sizeof pad) == 1
         && EVP_DigestUpdate(ctx, inner, sizeof inner) == 1 && EVP_DigestFinal_ex(ctx, out, &outLen) == 1
         && outLen == 32;
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    return ok;
}

/// OpenSSL's one-shot HMAC-SHA256 (which resolves its algorithms on every call): the reference
/// `zael_hmac_sha256` is tested and benchmarked against.
static inline int zael_reference_hmac_sha256(const void *key, size_t keyLen, const void *data, size_t len,
                                             uint8_t *out) {
    unsigned int outLen = 0;
    // One-shot HMAC() is not deprecated in OpenSSL 3 (only the HMAC_CTX API is).
    const unsigned char *result = HMAC(EVP_sha256(), key, (int)keyLen, data, len, out, &outLen);
    return result != NULL && outLen == 32;
}

/// SHA-256 through `EVP_sha256()` (resolved on every call): the reference `zael_sha256` is
/// benchmarked against.
static inline int zael_reference_sha256(const void *data, size_t len, uint8_t *out) {
    unsigned int outLen = 0;
    return EVP_Digest(data, len, out, &outLen, EVP_sha256(), NULL) == 1 && outLen == 32;
}
