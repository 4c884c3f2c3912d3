// libpcap, loaded with dlopen on the first pcap_* call rather than linked: linking it made
// every run map and relocate libpcap and the seven libraries it needs (libdbus-1, libsystemd,
// libgcrypt, liblzma, liblz4, libcap, libgpg-error), a third of `glancetrace --version`'s CPU
// (Benchmarks/README "Session 12"), although only live capture, BPF filters, the
// `--reader libpcap` reference reader and `--version` use libpcap.
//
// Each pcap_* function the Swift modules call is defined here with libpcap's own prototype (the
// header declares them, so a mismatch does not compile) and calls the library's function. When
// libpcap cannot be loaded, the calls fail as libpcap fails: NULL or PCAP_ERROR, with the loader's
// reason in the error buffer or from pcap_geterr; nothing crashes.
#include "CPcap.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// The binary exports its symbols (--export-dynamic): pcap_* functions of its own, visible,
// would take the place of libpcap's where libpcap calls its own API (pcap_close inside
// pcap_open_offline's failure path, ...). Hidden, they are seen by this binary only.
#define GT_HIDDEN __attribute__((visibility("hidden")))

// Every libpcap function called, each resolved by dlsym once. pcap_dump_ftell64 (1.9) is the
// youngest: libpcap 1.9 or later, as the Debian package's Depends says.
#define GT_PCAP_FUNCTIONS(X) \
    X(pcap_activate) X(pcap_close) X(pcap_compile) X(pcap_create) X(pcap_datalink) X(pcap_dump) \
    X(pcap_dump_close) X(pcap_dump_file) X(pcap_dump_flush) X(pcap_dump_ftell64) X(pcap_dump_open) \
    X(pcap_findalldevs) X(pcap_fopen_offline_with_tstamp_precision) X(pcap_freealldevs) \
    X(pcap_freecode) X(pcap_get_selectable_fd) X(pcap_get_tstamp_precision) X(pcap_geterr) \
    X(pcap_is_swapped) X(pcap_lib_version) X(pcap_next_ex) X(pcap_offline_filter) \
    X(pcap_open_dead_with_tstamp_precision) X(pcap_open_offline_with_tstamp_precision) \
    X(pcap_set_buffer_size) X(pcap_set_datalink) X(pcap_set_immediate_mode) X(pcap_set_promisc) \
    X(pcap_set_snaplen) X(pcap_set_timeout) X(pcap_set_tstamp_precision) X(pcap_setfilter) \
    X(pcap_setnonblock) X(pcap_snapshot) X(pcap_stats) X(pcap_statustostr)

static struct {
#define GT_POINTER(name) __typeof__(name) *name;
    GT_PCAP_FUNCTIONS(GT_POINTER)
#undef GT_POINTER
} real;

// The sonames distributions ship: Debian and Ubuntu's (libpcap0.8), everyone else's, and the
// unversioned name of a -dev package or a build from source.
static const char *const library_names[] = {
#ifdef __APPLE__
    "libpcap.A.dylib",
#endif
    "libpcap.so.0.8", "libpcap.so.1", "libpcap.so",
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
// Why libpcap is not usable ("libpcap.so.0.8: cannot open shared object file: ..."), and the
// same as the calls report it ("libpcap could not be loaded: ...").
static char load_reason[PCAP_ERRBUF_SIZE];
static char load_error[PCAP_ERRBUF_SIZE];

static void load(void) {
    void *library = NULL;
    const char *name = NULL;
    char first_error[PCAP_ERRBUF_SIZE] = "";
    for (size_t i = 0; i < sizeof library_names / sizeof library_names[0] && !library; i++) {
        name = library_names[i];
        library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        // The first name's reason: on Debian and Ubuntu it names what is wrong with the
        // library that is meant to be there (a missing dependency, a broken file).
        const char *reason = library ? NULL : dlerror();
        if (reason && !first_error[0]) snprintf(first_error, sizeof first_error, "%s", reason);
    }
    if (!library) {
        snprintf(load_reason, sizeof load_reason, "%s", first_error[0] ? first_error : "no libpcap shared object found");
    }
#define GT_RESOLVE(function)                                                                       \
    if (library && !load_reason[0]) {                                                              \
        real.function = (__typeof__(real.function))dlsym(library, #function);                      \
        if (!real.function) {                                                                      \
            snprintf(load_reason, sizeof load_reason, "%s has no %s (libpcap 1.9 or later is needed)", \
                     name, #function);                                                             \
        }                                                                                          \
    }
    GT_PCAP_FUNCTIONS(GT_RESOLVE)
#undef GT_RESOLVE
    if (load_reason[0]) {
        snprintf(load_error, sizeof load_error, "libpcap could not be loaded: %s", load_reason);
        return;
    }
    loaded = 1;
}

static inline int ready(void) {
    pthread_once(&load_once, load);
    return loaded;
}

int gt_pcap_load(char *error, size_t error_size) {
    int usable = ready();
    if (!usable && error && error_size > 0) snprintf(error, error_size, "%s", load_reason);
    return usable;
}

// The call when libpcap is loaded, `failure` otherwise.
#define GT_CALL(failure, function, ...) (ready() ? real.function(__VA_ARGS__) : (failure))

static void fail_into(char *errbuf) {
    if (errbuf) snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", load_error);
}

// Opening: NULL or PCAP_ERROR with the reason in `errbuf`, as libpcap's own failures.

GT_HIDDEN pcap_t *pcap_create(const char *source, char *errbuf) {
    if (!ready()) return fail_into(errbuf), NULL;
    return real.pcap_create(source, errbuf);
}

GT_HIDDEN pcap_t *pcap_open_offline_with_tstamp_precision(const char *path, u_int precision, char *errbuf) {
    if (!ready()) return fail_into(errbuf), NULL;
    return real.pcap_open_offline_with_tstamp_precision(path, precision, errbuf);
}

GT_HIDDEN pcap_t *pcap_fopen_offline_with_tstamp_precision(FILE *file, u_int precision, char *errbuf) {
    if (!ready()) return fail_into(errbuf), NULL;
    return real.pcap_fopen_offline_with_tstamp_precision(file, precision, errbuf);
}

GT_HIDDEN int pcap_findalldevs(pcap_if_t **devices, char *errbuf) {
    if (!ready()) {
        if (devices) *devices = NULL;
        return fail_into(errbuf), PCAP_ERROR;
    }
    return real.pcap_findalldevs(devices, errbuf);
}

GT_HIDDEN pcap_t *pcap_open_dead_with_tstamp_precision(int link_type, int snap_length, u_int precision) {
    return GT_CALL(NULL, pcap_open_dead_with_tstamp_precision, link_type, snap_length, precision);
}

// What explains a failure: the loader's reason while libpcap is not loaded (no handle can
// exist then, but a caller may still ask).

GT_HIDDEN char *pcap_geterr(pcap_t *handle) { return GT_CALL(load_error, pcap_geterr, handle); }

GT_HIDDEN const char *pcap_statustostr(int status) { return GT_CALL(load_error, pcap_statustostr, status); }

GT_HIDDEN const char *pcap_lib_version(void) { return GT_CALL(load_error, pcap_lib_version); }

// Handles: only a loaded libpcap gives one out, so the failure values below are for callers
// that pass NULL or a zeroed program.

GT_HIDDEN int pcap_setnonblock(pcap_t *handle, int nonblock, char *errbuf) {
    if (!ready()) return fail_into(errbuf), PCAP_ERROR;
    return real.pcap_setnonblock(handle, nonblock, errbuf);
}

GT_HIDDEN void pcap_close(pcap_t *handle) {
    if (ready()) real.pcap_close(handle);
}

GT_HIDDEN int pcap_activate(pcap_t *handle) { return GT_CALL(PCAP_ERROR, pcap_activate, handle); }
GT_HIDDEN int pcap_set_snaplen(pcap_t *handle, int value) { return GT_CALL(PCAP_ERROR, pcap_set_snaplen, handle, value); }
GT_HIDDEN int pcap_set_promisc(pcap_t *handle, int value) { return GT_CALL(PCAP_ERROR, pcap_set_promisc, handle, value); }
GT_HIDDEN int pcap_set_timeout(pcap_t *handle, int value) { return GT_CALL(PCAP_ERROR, pcap_set_timeout, handle, value); }
GT_HIDDEN int pcap_set_buffer_size(pcap_t *handle, int value) { return GT_CALL(PCAP_ERROR, pcap_set_buffer_size, handle, value); }
GT_HIDDEN int pcap_set_immediate_mode(pcap_t *handle, int value) { return GT_CALL(PCAP_ERROR, pcap_set_immediate_mode, handle, value); }
GT_HIDDEN int pcap_set_tstamp_precision(pcap_t *handle, int value) { return GT_CALL(PCAP_ERROR, pcap_set_tstamp_precision, handle, value); }
GT_HIDDEN int pcap_set_datalink(pcap_t *handle, int value) { return GT_CALL(PCAP_ERROR, pcap_set_datalink, handle, value); }
GT_HIDDEN int pcap_get_tstamp_precision(pcap_t *handle) { return GT_CALL(PCAP_ERROR, pcap_get_tstamp_precision, handle); }
GT_HIDDEN int pcap_get_selectable_fd(pcap_t *handle) { return GT_CALL(PCAP_ERROR, pcap_get_selectable_fd, handle); }
GT_HIDDEN int pcap_datalink(pcap_t *handle) { return GT_CALL(PCAP_ERROR, pcap_datalink, handle); }
GT_HIDDEN int pcap_snapshot(pcap_t *handle) { return GT_CALL(PCAP_ERROR, pcap_snapshot, handle); }
GT_HIDDEN int pcap_is_swapped(pcap_t *handle) { return GT_CALL(PCAP_ERROR, pcap_is_swapped, handle); }
GT_HIDDEN int pcap_stats(pcap_t *handle, struct pcap_stat *stats) { return GT_CALL(PCAP_ERROR, pcap_stats, handle, stats); }

GT_HIDDEN int pcap_next_ex(pcap_t *handle, struct pcap_pkthdr **header, const u_char **data) {
    return GT_CALL(PCAP_ERROR, pcap_next_ex, handle, header, data);
}

// Filters.

GT_HIDDEN int pcap_compile(pcap_t *handle, struct bpf_program *program, const char *expression, int optimize, bpf_u_int32 netmask) {
    return GT_CALL(PCAP_ERROR, pcap_compile, handle, program, expression, optimize, netmask);
}

GT_HIDDEN int pcap_setfilter(pcap_t *handle, struct bpf_program *program) { return GT_CALL(PCAP_ERROR, pcap_setfilter, handle, program); }

GT_HIDDEN void pcap_freecode(struct bpf_program *program) {
    if (ready()) real.pcap_freecode(program);
}

// 0: the packet does not pass (as for a program that rejects everything).
GT_HIDDEN int pcap_offline_filter(const struct bpf_program *program, const struct pcap_pkthdr *header, const u_char *data) {
    return GT_CALL(0, pcap_offline_filter, program, header, data);
}

GT_HIDDEN void pcap_freealldevs(pcap_if_t *devices) {
    if (ready()) real.pcap_freealldevs(devices);
}

// Saving packets (`capture -w`).

GT_HIDDEN pcap_dumper_t *pcap_dump_open(pcap_t *handle, const char *path) { return GT_CALL(NULL, pcap_dump_open, handle, path); }
GT_HIDDEN FILE *pcap_dump_file(pcap_dumper_t *dumper) { return GT_CALL(NULL, pcap_dump_file, dumper); }
GT_HIDDEN int pcap_dump_flush(pcap_dumper_t *dumper) { return GT_CALL(-1, pcap_dump_flush, dumper); }
GT_HIDDEN int64_t pcap_dump_ftell64(pcap_dumper_t *dumper) { return GT_CALL(-1, pcap_dump_ftell64, dumper); }

GT_HIDDEN void pcap_dump(u_char *dumper, const struct pcap_pkthdr *header, const u_char *data) {
    if (ready()) real.pcap_dump(dumper, header, data);
}

GT_HIDDEN void pcap_dump_close(pcap_dumper_t *dumper) {
    if (ready()) real.pcap_dump_close(dumper);
}
