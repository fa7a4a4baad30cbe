#pragma once
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call. These typed,
// inline wrappers each pass exactly one argument type, so that libcurl reads what we pass.

typedef size_t (*zael_curl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*zael_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                           curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode zael_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode zael_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode zael_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode zael_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode zael_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// For CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
static inline CURLcode zael_curl_setopt_data_callback(CURL *handle, CURLoption option,
                                                      zael_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode zael_curl_setopt_xferinfo_callback(CURL *handle, zael_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode zael_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode zael_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Lock-free flag word for the abort flag, read from libcurl's progress callback.
static inline int zael_atomic_load_int(const int *word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }
static inline void zael_atomic_store_int(int *word, int value) { __atomic_store_n(word, value, __ATOMIC_RELEASE); }
