#if canImport(Glibc)
import Glibc
#endif

/// A value shared between threads behind a pthread mutex: `Synchronization.Mutex` does the same
/// job, but its futex lock is invisible to ThreadSanitizer (the toolchain's module is not
/// instrumented), which then reports every access under it as a race; with a pthread mutex the
/// sanitizer sees the lock and checks the code (`swift test --sanitize=thread`, Fuzz/README.md).
package final class LockedValue<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    package init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
