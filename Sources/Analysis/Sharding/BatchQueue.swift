#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded queue of event batches from the reading thread to one worker: a full queue makes
/// the reader wait (so memory stays bounded however far the worker falls behind), an empty one
/// the worker. A pthread mutex and conditions, which ThreadSanitizer sees (see `LockedValue`).
final class BatchQueue: @unchecked Sendable {
    private let capacity: Int
    /// nil: the end of the input (the worker stops).
    private var items: [EventBatch?] = []
    private var head = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        notFull.deallocate()
        notEmpty.deallocate()
        mutex.deallocate()
    }

    private var count: Int { items.count &- head }

    /// Queues `batch` (nil: the end), waiting while the queue is full.
    func push(_ batch: EventBatch?) {
        pthread_mutex_lock(mutex)
        while count >= capacity { pthread_cond_wait(notFull, mutex) }
        items.append(batch)
        pthread_cond_signal(notEmpty)
        pthread_mutex_unlock(mutex)
    }

    /// The next batch, waiting while the queue is empty; nil at the end.
    func pop() -> EventBatch? {
        pthread_mutex_lock(mutex)
        while count == 0 { pthread_cond_wait(notEmpty, mutex) }
        let batch = items[head]
        items[head] = nil
        head &+= 1
        if head >= 64 || head == items.count {
            items.removeFirst(head)
            head = 0
        }
        pthread_cond_signal(notFull)
        pthread_mutex_unlock(mutex)
        return batch
    }
}
