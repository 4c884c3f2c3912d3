#ifndef GLANCETRACE_CLAZYLIBRARY_H
#define GLANCETRACE_CLAZYLIBRARY_H

// A shared library glancetrace loads with dlopen when a command first needs it, rather than
// linking it (and loading it, and what it needs, on every run): libpcap (Sources/CPcap) and
// libcrypto (Sources/CLibcrypto). Each of those defines the library's functions it calls with the
// library's own prototypes and forwards them through GT_LAZY_CALL.

#include <pthread.h>
#include <stddef.h>

/// One library: what to load and look up, and what came of it.
typedef struct {
    /// What the messages call it ("libpcap").
    const char *title;
    /// The sonames tried in order, NULL-terminated.
    const char *const *sonames;
    /// The functions to look up, NULL-terminated; their addresses go to `addresses`, in order.
    const char *const *functions;
    void **addresses;
    /// Added to the message when a function is missing ("libpcap 1.9 or later is needed"), or NULL.
    const char *requirement;
    /// Set by gt_lazy_library_open: 1 when the library and every function were found.
    int usable;
    /// Otherwise why not: the loader's words ("libpcap.so.0.8: cannot open shared object file:
    /// ..."), and the same after "<title> could not be loaded: ".
    char reason[256];
    char error[320];
} gt_lazy_library;

/// Loads the library and looks its functions up; call it once (pthread_once, GT_LAZY_LIBRARY).
void gt_lazy_library_open(gt_lazy_library *library);

/// `usable`; when 0, the reason is copied into `reason` (NUL-terminated, if `reason_size` > 0).
int gt_lazy_library_report(const gt_lazy_library *library, char *reason, size_t reason_size);

#define GT_LAZY_SLOT(function) gt_slot_##function,
#define GT_LAZY_NAME(function) #function,

/// Declares, in a C file of its own, the library whose functions `LIST` names (LIST(X) expands
/// to X(function) for each): `gt_library` and `gt_ready()`, which loads it on its first call
/// from any thread and says whether it is usable. `...`: the sonames to try, in order.
#define GT_LAZY_LIBRARY(LIST, TITLE, REQUIREMENT, ...)                                         \
    enum { LIST(GT_LAZY_SLOT) gt_slot_count };                                                 \
    static const char *const gt_sonames[] = {__VA_ARGS__, NULL};                               \
    static const char *const gt_functions[] = {LIST(GT_LAZY_NAME) NULL};                       \
    static void *gt_addresses[gt_slot_count];                                                  \
    static gt_lazy_library gt_library = {TITLE, gt_sonames, gt_functions, gt_addresses, REQUIREMENT, 0, "", ""}; \
    static pthread_once_t gt_once = PTHREAD_ONCE_INIT;                                         \
    static void gt_open(void) { gt_lazy_library_open(&gt_library); }                           \
    static inline int gt_ready(void) {                                                         \
        pthread_once(&gt_once, gt_open);                                                       \
        return gt_library.usable;                                                              \
    }

/// The library's `function`, once gt_ready() said it is usable.
#define GT_LAZY_FUNCTION(function) ((__typeof__(function) *)gt_addresses[gt_slot_##function])

/// `function(...)` in the loaded library, or `failure` when it cannot be loaded.
#define GT_LAZY_CALL(failure, function, ...) (gt_ready() ? GT_LAZY_FUNCTION(function)(__VA_ARGS__) : (failure))

/// The library's functions are defined under their own names by the file that forwards them;
/// the binary exports its symbols (--export-dynamic), and visible definitions would take the
/// place of the library's own where the library calls its API internally. Hidden, they are seen
/// by this binary only.
#define GT_LAZY_FORWARD __attribute__((visibility("hidden")))

#endif
