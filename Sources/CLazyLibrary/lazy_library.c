#include "CLazyLibrary.h"

#include <dlfcn.h>
#include <stdio.h>

void gt_lazy_library_open(gt_lazy_library *library) {
    void *handle = NULL;
    const char *opened = NULL;
    for (const char *const *name = library->sonames; *name && !handle; name++) {
        handle = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
        if (handle) {
            opened = *name;
        } else if (!library->reason[0]) {
            // The first name's reason: on the distribution that ships it, it names what is wrong
            // with the library that is meant to be there (a missing dependency, a broken file).
            const char *text = dlerror();
            snprintf(library->reason, sizeof library->reason, "%s", text ? text : "not found");
        }
    }
    if (handle) {
        library->reason[0] = 0;
        for (size_t i = 0; library->functions[i]; i++) {
            library->addresses[i] = dlsym(handle, library->functions[i]);
            if (!library->addresses[i]) {
                snprintf(library->reason, sizeof library->reason, "%s has no %s%s%s%s", opened, library->functions[i],
                         library->requirement ? " (" : "", library->requirement ? library->requirement : "",
                         library->requirement ? ")" : "");
                break;
            }
        }
    } else if (!library->reason[0]) {
        snprintf(library->reason, sizeof library->reason, "no %s shared object found", library->title);
    }
    if (library->reason[0]) {
        snprintf(library->error, sizeof library->error, "%s could not be loaded: %s", library->title, library->reason);
        return;
    }
    library->usable = 1;
}

int gt_lazy_library_report(const gt_lazy_library *library, char *reason, size_t reason_size) {
    if (!library->usable && reason && reason_size > 0) snprintf(reason, reason_size, "%s", library->reason);
    return library->usable;
}
