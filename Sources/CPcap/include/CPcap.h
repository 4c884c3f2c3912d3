#ifndef GLANCETRACE_CPCAP_H
#define GLANCETRACE_CPCAP_H

// libpcap's API as its header declares it, served by Sources/CPcap/pcap_runtime.c, which loads
// the library with dlopen on the first call instead of the binary linking it: the commands
// that read a file with the native reader (info, sql, http, analyze) never load it.
#include <stddef.h>
#include <pcap/pcap.h>

/// Loads libpcap (once per process; every pcap_* call does it too). Returns 1 when it is usable,
/// 0 when it is not, with the loader's reason ("libpcap.so.0.8: cannot open shared object file:
/// ..."), NUL-terminated, in `error` (if `error_size` > 0).
int gt_pcap_load(char *error, size_t error_size);

#endif
