#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole regular file mapped read-only, read front to back.
///
/// The map is what makes records zero copy: a record's bytes are a view into it. A file-backed
/// page counts in resident memory once touched, so `release(before:)` hands consumed pages back
/// to the kernel (they stay in the page cache); without it a 2 GB capture would end with 2 GB
/// resident.
final class MappedFile {
    let base: UnsafeRawPointer
    let count: Int
    private let pageSize: Int
    /// Everything before this offset was already given back.
    private var releasedUpTo = 0

    /// Maps `count` bytes of the open descriptor `fd`; nil when the kernel refuses (then the
    /// caller streams the file instead).
    init?(fd: Int32, count: Int) {
        guard count > 0 else { return nil }
        guard let raw = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0),
              raw != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        // Sequential: the kernel reads ahead aggressively and we promise not to jump around.
        _ = madvise(raw, count, MADV_SEQUENTIAL)
        base = UnsafeRawPointer(raw)
        self.count = count
        let page = sysconf(Int32(_SC_PAGESIZE))
        pageSize = page > 0 ? page : 4096
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }

    /// Drops the pages wholly before `offset` from this process's resident set.
    ///
    /// Reading them again stays correct (they fault back in from the page cache), so a caller
    /// that releases too eagerly only loses time, never data.
    func release(before offset: Int) {
        let end = min(offset, count) / pageSize * pageSize
        guard end > releasedUpTo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + releasedUpTo), end - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = end
    }
}
