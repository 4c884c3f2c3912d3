// libpcap, loaded with dlopen on the first pcap_* call rather than linked: linking it made
// every run map and relocate libpcap and the seven libraries it needs (libdbus-1, libsystemd,
// libgcrypt, liblzma, liblz4, libcap, libgpg-error), about 3 ms of the 7 ms of CPU `info` took on
// a small capture (Benchmarks/README "Session 12"), although only live capture, BPF filters, the
// `--reader libpcap` reference reader and `--version` use libpcap.
//
// Each pcap_* function the Swift modules call is defined here with libpcap's own prototype (the
// header declares them, so a mismatch does not compile) and calls the library's function. When
// libpcap cannot be loaded, the calls fail as libpcap fails: NULL or PCAP_ERROR, with the loader's
// reason in the error buffer or from pcap_geterr; nothing crashes.
#include "CPcap.h"

#include <CLazyLibrary.h>
#include <stdio.h>

// Every libpcap function called, each looked up once. pcap_dump_ftell64 (1.9) is the youngest:
// libpcap 1.9 or later, as the Debian package's Depends says (Packaging/build-deb reads this list).
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

// The sonames distributions ship: Debian and Ubuntu's (libpcap0.8), everyone else's, and the
// unversioned name of a -dev package or a build from source.
#ifdef __APPLE__
GT_LAZY_LIBRARY(GT_PCAP_FUNCTIONS, "libpcap", "libpcap 1.9 or later is needed", "libpcap.A.dylib", "libpcap.so.0.8", "libpcap.so.1", "libpcap.so")
#else
GT_LAZY_LIBRARY(GT_PCAP_FUNCTIONS, "libpcap", "libpcap 1.9 or later is needed", "libpcap.so.0.8", "libpcap.so.1", "libpcap.so")
#endif

int gt_pcap_load(char *error, size_t error_size) {
    gt_ready();
    return gt_lazy_library_report(&gt_library, error, error_size);
}

static void fail_into(char *errbuf) {
    if (errbuf) snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", gt_library.error);
}

// Opening: NULL or PCAP_ERROR with the reason in `errbuf`, as libpcap's own failures.

GT_LAZY_FORWARD pcap_t *pcap_create(const char *source, char *errbuf) {
    if (!gt_ready()) return fail_into(errbuf), NULL;
    return GT_LAZY_FUNCTION(pcap_create)(source, errbuf);
}

GT_LAZY_FORWARD pcap_t *pcap_open_offline_with_tstamp_precision(const char *path, u_int precision, char *errbuf) {
    if (!gt_ready()) return fail_into(errbuf), NULL;
    return GT_LAZY_FUNCTION(pcap_open_offline_with_tstamp_precision)(path, precision, errbuf);
}

GT_LAZY_FORWARD pcap_t *pcap_fopen_offline_with_tstamp_precision(FILE *file, u_int precision, char *errbuf) {
    if (!gt_ready()) return fail_into(errbuf), NULL;
    return GT_LAZY_FUNCTION(pcap_fopen_offline_with_tstamp_precision)(file, precision, errbuf);
}

GT_LAZY_FORWARD int pcap_findalldevs(pcap_if_t **devices, char *errbuf) {
    if (!gt_ready()) {
        if (devices) *devices = NULL;
        return fail_into(errbuf), PCAP_ERROR;
    }
    return GT_LAZY_FUNCTION(pcap_findalldevs)(devices, errbuf);
}

GT_LAZY_FORWARD pcap_t *pcap_open_dead_with_tstamp_precision(int link_type, int snap_length, u_int precision) {
    return GT_LAZY_CALL(NULL, pcap_open_dead_with_tstamp_precision, link_type, snap_length, precision);
}

// What explains a failure: the loader's reason while libpcap is not loaded (no handle can
// exist then, but a caller may still ask).

GT_LAZY_FORWARD char *pcap_geterr(pcap_t *handle) { return GT_LAZY_CALL(gt_library.error, pcap_geterr, handle); }

GT_LAZY_FORWARD const char *pcap_statustostr(int status) { return GT_LAZY_CALL(gt_library.error, pcap_statustostr, status); }

GT_LAZY_FORWARD const char *pcap_lib_version(void) { return GT_LAZY_CALL(gt_library.error, pcap_lib_version); }

// Handles: only a loaded libpcap gives one out, so the failure values below are for callers
// that pass NULL or a zeroed program.

GT_LAZY_FORWARD int pcap_setnonblock(pcap_t *handle, int nonblock, char *errbuf) {
    if (!gt_ready()) return fail_into(errbuf), PCAP_ERROR;
    return GT_LAZY_FUNCTION(pcap_setnonblock)(handle, nonblock, errbuf);
}

GT_LAZY_FORWARD void pcap_close(pcap_t *handle) {
    if (gt_ready()) GT_LAZY_FUNCTION(pcap_close)(handle);
}

GT_LAZY_FORWARD int pcap_activate(pcap_t *handle) { return GT_LAZY_CALL(PCAP_ERROR, pcap_activate, handle); }
GT_LAZY_FORWARD int pcap_set_snaplen(pcap_t *handle, int value) { return GT_LAZY_CALL(PCAP_ERROR, pcap_set_snaplen, handle, value); }
GT_LAZY_FORWARD int pcap_set_promisc(pcap_t *handle, int value) { return GT_LAZY_CALL(PCAP_ERROR, pcap_set_promisc, handle, value); }
GT_LAZY_FORWARD int pcap_set_timeout(pcap_t *handle, int value) { return GT_LAZY_CALL(PCAP_ERROR, pcap_set_timeout, handle, value); }
GT_LAZY_FORWARD int pcap_set_buffer_size(pcap_t *handle, int value) { return GT_LAZY_CALL(PCAP_ERROR, pcap_set_buffer_size, handle, value); }
GT_LAZY_FORWARD int pcap_set_immediate_mode(pcap_t *handle, int value) { return GT_LAZY_CALL(PCAP_ERROR, pcap_set_immediate_mode, handle, value); }
GT_LAZY_FORWARD int pcap_set_tstamp_precision(pcap_t *handle, int value) { return GT_LAZY_CALL(PCAP_ERROR, pcap_set_tstamp_precision, handle, value); }
GT_LAZY_FORWARD int pcap_set_datalink(pcap_t *handle, int value) { return GT_LAZY_CALL(PCAP_ERROR, pcap_set_datalink, handle, value); }
GT_LAZY_FORWARD int pcap_get_tstamp_precision(pcap_t *handle) { return GT_LAZY_CALL(PCAP_ERROR, pcap_get_tstamp_precision, handle); }
GT_LAZY_FORWARD int pcap_get_selectable_fd(pcap_t *handle) { return GT_LAZY_CALL(PCAP_ERROR, pcap_get_selectable_fd, handle); }
GT_LAZY_FORWARD int pcap_datalink(pcap_t *handle) { return GT_LAZY_CALL(PCAP_ERROR, pcap_datalink, handle); }
GT_LAZY_FORWARD int pcap_snapshot(pcap_t *handle) { return GT_LAZY_CALL(PCAP_ERROR, pcap_snapshot, handle); }
GT_LAZY_FORWARD int pcap_is_swapped(pcap_t *handle) { return GT_LAZY_CALL(PCAP_ERROR, pcap_is_swapped, handle); }
GT_LAZY_FORWARD int pcap_stats(pcap_t *handle, struct pcap_stat *stats) { return GT_LAZY_CALL(PCAP_ERROR, pcap_stats, handle, stats); }

GT_LAZY_FORWARD int pcap_next_ex(pcap_t *handle, struct pcap_pkthdr **header, const u_char **data) {
    return GT_LAZY_CALL(PCAP_ERROR, pcap_next_ex, handle, header, data);
}

// Filters.

GT_LAZY_FORWARD int pcap_compile(pcap_t *handle, struct bpf_program *program, const char *expression, int optimize, bpf_u_int32 netmask) {
    return GT_LAZY_CALL(PCAP_ERROR, pcap_compile, handle, program, expression, optimize, netmask);
}

GT_LAZY_FORWARD int pcap_setfilter(pcap_t *handle, struct bpf_program *program) { return GT_LAZY_CALL(PCAP_ERROR, pcap_setfilter, handle, program); }

GT_LAZY_FORWARD void pcap_freecode(struct bpf_program *program) {
    if (gt_ready()) GT_LAZY_FUNCTION(pcap_freecode)(program);
}

// 0: the packet does not pass (as for a program that rejects everything).
GT_LAZY_FORWARD int pcap_offline_filter(const struct bpf_program *program, const struct pcap_pkthdr *header, const u_char *data) {
    return GT_LAZY_CALL(0, pcap_offline_filter, program, header, data);
}

GT_LAZY_FORWARD void pcap_freealldevs(pcap_if_t *devices) {
    if (gt_ready()) GT_LAZY_FUNCTION(pcap_freealldevs)(devices);
}

// Saving packets (`capture -w`).

GT_LAZY_FORWARD pcap_dumper_t *pcap_dump_open(pcap_t *handle, const char *path) { return GT_LAZY_CALL(NULL, pcap_dump_open, handle, path); }
GT_LAZY_FORWARD FILE *pcap_dump_file(pcap_dumper_t *dumper) { return GT_LAZY_CALL(NULL, pcap_dump_file, dumper); }
GT_LAZY_FORWARD int pcap_dump_flush(pcap_dumper_t *dumper) { return GT_LAZY_CALL(-1, pcap_dump_flush, dumper); }
GT_LAZY_FORWARD int64_t pcap_dump_ftell64(pcap_dumper_t *dumper) { return GT_LAZY_CALL(-1, pcap_dump_ftell64, dumper); }

GT_LAZY_FORWARD void pcap_dump(u_char *dumper, const struct pcap_pkthdr *header, const u_char *data) {
    if (gt_ready()) GT_LAZY_FUNCTION(pcap_dump)(dumper, header, data);
}

GT_LAZY_FORWARD void pcap_dump_close(pcap_dumper_t *dumper) {
    if (gt_ready()) GT_LAZY_FUNCTION(pcap_dump_close)(dumper);
}
