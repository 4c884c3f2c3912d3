import Glibc

/// A TCP connection on a POSIX socket whose every step (connect, send, receive) ends by one
/// deadline: a receiver that stops answering costs the request's timeout, never a hung exporter.
final class SocketConnection {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Connects to the first address of `host` that answers (IPv6 and IPv4, in the resolver's order).
    /// Name resolution itself is the system's (getaddrinfo), which has no deadline of its own.
    static func connect(host: String, port: Int, deadline: Deadline) throws(HTTPPostFailure) -> SocketConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw HTTPPostFailure("cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry?.pointee {
            entry = address.ai_next
            let fd = socket(address.ai_family, address.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
            guard fd >= 0 else { lastError = Self.errorText(); continue }
            let connection = SocketConnection(descriptor: fd)
            if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return connection }
            guard errno == EINPROGRESS else { lastError = Self.errorText(); continue }
            guard connection.wait(for: Int16(POLLOUT), until: deadline) else {
                throw HTTPPostFailure("cannot connect to \(host):\(port) within the timeout")
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
            if failure == 0 { return connection }
            lastError = String(cString: strerror(failure))
        }
        throw HTTPPostFailure("cannot connect to \(host):\(port): \(lastError)")
    }

    /// Sends all of `bytes`.
    func send(_ bytes: [UInt8], deadline: Deadline) throws(HTTPPostFailure) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.send(descriptor, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if result > 0 {
                sent += result
            } else if result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                guard wait(for: Int16(POLLOUT), until: deadline) else { throw HTTPPostFailure("no progress sending the request within the timeout") }
            } else {
                throw HTTPPostFailure("sending the request failed: \(Self.errorText())")
            }
        }
    }

    /// Reads what has arrived into `buffer`: the count, 0 at the end of the stream.
    func receive(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(HTTPPostFailure) -> Int {
        while true {
            let result = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if result >= 0 { return result }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw HTTPPostFailure("reading the answer failed: \(Self.errorText())")
            }
            guard wait(for: Int16(POLLIN), until: deadline) else { throw HTTPPostFailure("no answer within the timeout") }
        }
    }

    /// Waits until the socket is ready for `events`; false when the deadline passes first.
    private func wait(for events: Int16, until deadline: Deadline) -> Bool {
        while true {
            let left = deadline.millisecondsLeft
            guard left > 0 else { return false }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(left, Int(Int32.max))))
            if ready > 0 { return true }  // ready, or an error the next call reports
            if ready < 0 && errno != EINTR { return true }
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// A moment on the monotonic clock by which something must be done.
struct Deadline {
    private let nanoseconds: UInt64

    init(secondsFromNow seconds: Double) {
        let span = seconds.isFinite ? min(max(seconds, 0), 86_400) : 86_400
        nanoseconds = Self.now() &+ UInt64(span * 1e9)
    }

    var millisecondsLeft: Int {
        let now = Self.now()
        return now >= nanoseconds ? 0 : Int((nanoseconds - now + 999_999) / 1_000_000)
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
