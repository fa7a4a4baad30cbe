#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

// Typed wrappers so Swift compresses and decompresses a whole buffer with one call and plain
// pointers and lengths, never touching z_stream. Each returns Z_OK (0) on success, a negative
// zlib code on failure.

/// Upper bound of the gzip member `zael_gzip_compress` writes for `len` input bytes.
static inline size_t zael_gzip_bound(size_t len) {
    // deflateBound for a raw stream plus the 18 bytes of gzip header and trailer, and slack.
    return compressBound((uLong)len) + 18 + 64;
}

/// Compresses `len` bytes at `data` into one gzip member (RFC 1952, mtime 0, no name) at `out`,
/// whose capacity `*outLen` must be at least `zael_gzip_bound(len)`; `*outLen` becomes the size
/// written. `level` is 0–9 (9 as Python's gzip.compress).
static inline int zael_gzip_compress(const void *data, size_t len, uint8_t *out, size_t *outLen, int level) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    // windowBits 15 + 16 asks zlib for the gzip wrapper; memLevel 8 as Python's zlib default.
    int status = deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (status != Z_OK) return status;
    stream.next_in = (Bytef *)data;
    stream.avail_in = (uInt)len;
    stream.next_out = out;
    stream.avail_out = (uInt)*outLen;
    status = deflate(&stream, Z_FINISH);
    *outLen = stream.total_out;
    deflateEnd(&stream);
    return status == Z_STREAM_END ? Z_OK : (status == Z_OK ? Z_BUF_ERROR : status);
}

/// Starts a gzip decompression into `*stream` (released by `zael_gunzip_end`).
static inline int zael_gunzip_begin(z_stream *stream, const void *data, size_t len) {
    memset(stream, 0, sizeof *stream);
    int status = inflateInit2(stream, 15 + 16);
    stream->next_in = (Bytef *)data;
    stream->avail_in = (uInt)len;
    return status;
}

/// Inflates more of the input into `out` (capacity `cap`); `*produced` is the number of bytes
/// written. Returns Z_OK (more to come), Z_STREAM_END (done, `*consumedAll` says whether input
/// remains) or a negative error.
static inline int zael_gunzip_step(z_stream *stream, uint8_t *out, size_t cap, size_t *produced) {
    stream->next_out = out;
    stream->avail_out = (uInt)cap;
    int status = inflate(stream, Z_NO_FLUSH);
    *produced = cap - stream->avail_out;
    if (status == Z_BUF_ERROR && *produced > 0) return Z_OK;
    return status;
}

/// Bytes of input not yet consumed.
static inline size_t zael_gunzip_remaining(const z_stream *stream) { return stream->avail_in; }

static inline void zael_gunzip_end(z_stream *stream) { inflateEnd(stream); }
