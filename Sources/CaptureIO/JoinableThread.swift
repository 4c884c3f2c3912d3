#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own running one closure until it returns, waited for with `join()`.
///
/// For work that runs beside the caller for a long stretch (the map's page helper, a report's
/// formatters): a Dispatch work item would hold a pool thread as long, and the caller could not
/// wait for that one item.
package final class JoinableThread: @unchecked Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    #if os(Linux)
    private let thread: pthread_t
    #endif
    private var joined = false

    /// Starts `body` on a new thread; nil when the system refuses one (or is not Linux): the
    /// caller then does the work itself.
    package init?(_ body: @escaping @Sendable () -> Void) {
        #if os(Linux)
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        guard started == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        self.thread = thread
        #else
        return nil
        #endif
    }

    /// Waits until the body has returned (once; later calls return at once).
    package func join() {
        guard !joined else { return }
        joined = true
        #if os(Linux)
        pthread_join(thread, nil)
        #endif
    }

    /// Processors online: how many threads are worth starting for CPU work.
    package static var processorCount: Int {
        return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

/// A mutex with one condition: for threads that wait for each other's progress.
///
/// pthread's, like `LockedValue`, so that ThreadSanitizer sees the lock.
package final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }
    package func unlock() { pthread_mutex_unlock(mutex) }

    /// Waits for `broadcast()`; the caller holds the lock, and holds it again on return.
    package func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every waiter; the caller holds the lock.
    package func broadcast() { pthread_cond_broadcast(condition) }

    package func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}

extension JoinableThread {
    /// Sets the thread's stop flag under `lock` (`raise`), wakes it and waits for it to end.
    package func stop(under lock: ConditionLock, raising raise: () -> Void) {
        lock.withLock {
            raise()
            lock.broadcast()
        }
        join()
    }
}
