// libcurl, loaded when an https:// (or proxied) OTLP endpoint is used rather than linked: linking
// it put libcurl and what it needs (gnutls, krb5, ldap, ssh2, nghttp2...) into every run.
// The few declarations used are written out here, so building needs no libcurl headers; they are
// libcurl's stable ABI (soname libcurl.so.4, option numbers never reused).
#include "CCurlRuntime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

typedef void CURL;
struct curl_slist;
typedef int CURLcode;
typedef long long curl_off_t;

enum {
    GT_CURLE_OK = 0,
    GT_CURLE_WRITE_ERROR = 23,
    GT_CURL_GLOBAL_DEFAULT = 3,
    GT_CURL_ERROR_SIZE = 256,
};

// CURLOPT_*: type base (LONG 0, OBJECTPOINT 10000, FUNCTIONPOINT 20000, OFF_T 30000) + number.
enum {
    GT_CURLOPT_WRITEDATA = 10001,
    GT_CURLOPT_URL = 10002,
    GT_CURLOPT_ERRORBUFFER = 10010,
    GT_CURLOPT_WRITEFUNCTION = 20011,
    GT_CURLOPT_POSTFIELDS = 10015,
    GT_CURLOPT_HTTPHEADER = 10023,
    GT_CURLOPT_HEADERDATA = 10029,
    GT_CURLOPT_POST = 47,
    GT_CURLOPT_CAINFO = 10065,
    GT_CURLOPT_HEADERFUNCTION = 20079,
    GT_CURLOPT_NOSIGNAL = 99,
    GT_CURLOPT_POSTFIELDSIZE_LARGE = 30120,
    GT_CURLOPT_TIMEOUT_MS = 155,
    GT_CURLOPT_CONNECTTIMEOUT_MS = 156,
};

#define GT_CURLINFO_RESPONSE_CODE (0x200000 + 2)

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, int, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[256];

static void *symbol(void *library, const char *name) {
    void *address = dlsym(library, name);
    if (!address && !load_error[0]) snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s", name);
    return address;
}

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "%s", reason ? reason : "libcurl.so.4 not found");
        return;
    }
    curl.global_init = (CURLcode (*)(long))symbol(library, "curl_global_init");
    curl.easy_init = (CURL *(*)(void))symbol(library, "curl_easy_init");
    curl.easy_setopt = (CURLcode (*)(CURL *, int, ...))symbol(library, "curl_easy_setopt");
    curl.easy_perform = (CURLcode (*)(CURL *))symbol(library, "curl_easy_perform");
    curl.easy_getinfo = (CURLcode (*)(CURL *, int, ...))symbol(library, "curl_easy_getinfo");
    curl.easy_cleanup = (void (*)(CURL *))symbol(library, "curl_easy_cleanup");
    curl.easy_strerror = (const char *(*)(CURLcode))symbol(library, "curl_easy_strerror");
    curl.slist_append = (struct curl_slist *(*)(struct curl_slist *, const char *))symbol(library, "curl_slist_append");
    curl.slist_free_all = (void (*)(struct curl_slist *))symbol(library, "curl_slist_free_all");
    if (load_error[0]) return;
    // Not thread-safe in old libcurls: run once, here, under pthread_once.
    CURLcode code = curl.global_init(GT_CURL_GLOBAL_DEFAULT);
    if (code != GT_CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init: %s", curl.easy_strerror(code));
        return;
    }
    loaded = 1;
}

int gt_curl_load(char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (!loaded && error && error_size > 0) snprintf(error, error_size, "%s", load_error);
    return loaded;
}

typedef struct {
    gt_curl_response *response;
    size_t max_body;
} transfer;

static size_t on_body(char *data, size_t size, size_t count, void *context) {
    transfer *t = context;
    gt_curl_response *r = t->response;
    size_t length = size * count;
    size_t room = t->max_body - r->body_length;
    size_t taken = length < room ? length : room;
    if (taken > 0) {
        unsigned char *grown = realloc(r->body, r->body_length + taken);
        if (!grown) return 0;
        memcpy(grown + r->body_length, data, taken);
        r->body = grown;
        r->body_length += taken;
    }
    if (taken < length) {
        r->body_truncated = 1;
        return 0;  // stops the transfer (CURLE_WRITE_ERROR): the rest is not wanted
    }
    return length;
}

static size_t on_header(char *data, size_t size, size_t count, void *context) {
    transfer *t = context;
    size_t length = size * count;
    static const char name[] = "retry-after:";
    size_t name_length = sizeof name - 1;
    // A new status line (after a 1xx or a proxy's answer) starts a new set of headers.
    if (length >= 5 && memcmp(data, "HTTP/", 5) == 0) t->response->has_retry_after = 0;
    if (length > name_length && strncasecmp(data, name, name_length) == 0) {
        size_t start = name_length, end = length;
        while (start < end && (data[start] == ' ' || data[start] == '\t')) start++;
        while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n' || data[end - 1] == ' ' || data[end - 1] == '\t')) end--;
        size_t kept = end - start < sizeof t->response->retry_after - 1 ? end - start : sizeof t->response->retry_after - 1;
        memcpy(t->response->retry_after, data + start, kept);
        t->response->retry_after[kept] = 0;
        t->response->has_retry_after = 1;
    }
    return length;
}

int gt_curl_post(const char *url, const char *const *headers, size_t header_count,
                 const unsigned char *body, size_t body_length, long timeout_ms,
                 const char *ca_file, size_t max_body, gt_curl_response *response) {
    memset(response, 0, sizeof *response);
    if (!gt_curl_load(response->error, sizeof response->error)) return 0;
    CURL *handle = curl.easy_init();
    if (!handle) {
        snprintf(response->error, sizeof response->error, "curl_easy_init failed");
        return 0;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *grown = curl.slist_append(list, headers[i]);
        if (!grown) break;
        list = grown;
    }
    // libcurl would send `Expect: 100-continue` for a large body and wait a second for the answer.
    struct curl_slist *grown = curl.slist_append(list, "Expect:");
    if (grown) list = grown;
    char error[GT_CURL_ERROR_SIZE] = {0};
    transfer t = {response, max_body};
    curl.easy_setopt(handle, GT_CURLOPT_URL, url);
    curl.easy_setopt(handle, GT_CURLOPT_POST, 1L);
    curl.easy_setopt(handle, GT_CURLOPT_POSTFIELDS, (const void *)body);
    curl.easy_setopt(handle, GT_CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    curl.easy_setopt(handle, GT_CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(handle, GT_CURLOPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(handle, GT_CURLOPT_WRITEDATA, &t);
    curl.easy_setopt(handle, GT_CURLOPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(handle, GT_CURLOPT_HEADERDATA, &t);
    curl.easy_setopt(handle, GT_CURLOPT_ERRORBUFFER, error);
    curl.easy_setopt(handle, GT_CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(handle, GT_CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    // A thread of its own: no SIGALRM for timeouts.
    curl.easy_setopt(handle, GT_CURLOPT_NOSIGNAL, 1L);
    if (ca_file) curl.easy_setopt(handle, GT_CURLOPT_CAINFO, ca_file);
    CURLcode code = curl.easy_perform(handle);
    long status = 0;
    curl.easy_getinfo(handle, GT_CURLINFO_RESPONSE_CODE, &status);
    int answered = code == GT_CURLE_OK || (code == GT_CURLE_WRITE_ERROR && response->body_truncated && status > 0);
    if (answered) {
        response->status = status;
    } else {
        snprintf(response->error, sizeof response->error, "%s", error[0] ? error : curl.easy_strerror(code));
    }
    curl.easy_cleanup(handle);
    curl.slist_free_all(list);
    return answered;
}

void gt_curl_response_free(gt_curl_response *response) {
    free(response->body);
    response->body = NULL;
    response->body_length = 0;
}
