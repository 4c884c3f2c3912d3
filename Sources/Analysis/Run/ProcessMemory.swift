/// The process's heap between the phases of a run.
enum ProcessMemory {
    /// Gives the free pages inside the heap back to the system (glibc's `malloc_trim(0)`).
    ///
    /// glibc returns memory by itself only from the top of the heap; what the capture phase
    /// freed in its middle (spare hasher arenas, reassembly buffers) stayed resident under the
    /// timeline's tables. A few milliseconds, once a run.
    static func releaseFreePages() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
/// `int malloc_trim(size_t pad)` from `<malloc.h>`, which the Glibc module does not export.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: UInt) -> Int32
#endif
