#ifndef GLANCETRACE_CCURLRUNTIME_H
#define GLANCETRACE_CCURLRUNTIME_H

#include <stddef.h>

/// The answer to one POST made through libcurl.
typedef struct {
    /// The HTTP status; 0 when no response came (then `error` says why).
    long status;
    /// The response body, at most the `max_body` the call allowed (malloc'd; free with
    /// gt_curl_response_free).
    unsigned char *body;
    size_t body_length;
    /// The receiver sent more than `max_body`: the transfer was stopped there.
    int body_truncated;
    /// The `Retry-After` header's value (the last one), NUL-terminated, cut at 63 bytes.
    char retry_after[64];
    int has_retry_after;
    /// Why the request failed, NUL-terminated (libcurl's error buffer or the loader's).
    char error[256];
} gt_curl_response;

/// Loads libcurl.so.4 (once per process) and initialises it. Returns 1 when it is usable, 0 with
/// the reason in `error` otherwise.
int gt_curl_load(char *error, size_t error_size);

/// POSTs `body` to `url` with `headers` ("Name: value"), everything within `timeout_ms`. `ca_file`
/// (or NULL) replaces libcurl's CA bundle. Returns 1 when a response was read (see `status`), 0
/// when the request failed (`error`). Call gt_curl_response_free on `response` either way.
int gt_curl_post(const char *url, const char *const *headers, size_t header_count,
                 const unsigned char *body, size_t body_length, long timeout_ms,
                 const char *ca_file, size_t max_body, gt_curl_response *response);

void gt_curl_response_free(gt_curl_response *response);

#endif
