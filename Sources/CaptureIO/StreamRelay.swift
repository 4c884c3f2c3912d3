import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands a pipe (standard input, a FIFO) to libpcap after its first bytes were read here.
///
/// The libpcap reader must know a capture's format and precision (its magic) before libpcap
/// opens it, and a pipe cannot be read twice. So the magic is read first and a socket pair
/// stands in for the pipe: a background task writes the bytes already read, then copies the
/// rest as libpcap asks for it. Sends use `MSG_NOSIGNAL`: a reader that stops early closes
/// its end, which ends the copy instead of raising SIGPIPE.
final class StreamRelay {
    /// The first bytes of the input: its magic (up to 4 bytes, fewer when it ends first), and for
    /// pcapng the blocks up to the end of the first Interface Description Block, whose
    /// `if_tsresol` sets the precision (read block by block, so a live pipe is never waited on
    /// for more than those blocks; 64 KiB at most).
    let prefix: [UInt8]
    /// The descriptor libpcap reads instead of the input.
    let readDescriptor: Int32

    static let pcapngHeadLimit = 1 << 16

    /// Reads the prefix of `input` and starts the copy, which owns `input` from then on. Nil when
    /// the input cannot be read or the socket pair cannot be made; `errno` says why.
    init?(input: Int32) {
        var head: [UInt8] = []
        var failed = false
        /// Reads until `head` holds `count` bytes; false at the end of the input or on an error.
        func fill(_ count: Int) -> Bool {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while head.count < count {
                let want = min(chunk.count, count - head.count)
                let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress!, want) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failed = true; return false }
                if n == 0 { return false }
                head.append(contentsOf: chunk.prefix(n))
            }
            return true
        }
        // The probe's own walk says how far to read: the magic, and for pcapng its blocks.
        while case .needs(let count) = PcapngResolutionProbe.read(head), count <= StreamRelay.pcapngHeadLimit, fill(count) {}
        if failed { return nil }
        prefix = head
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else { return nil }
        readDescriptor = pair[0]
        let writeDescriptor = pair[1]
        let prefix = self.prefix
        DispatchQueue(label: "glancetrace.capture-relay").async {
            StreamRelay.copy(prefix: prefix, from: input, to: writeDescriptor)
            close(writeDescriptor)
            if input != STDIN_FILENO { close(input) }
        }
    }

    private static func copy(prefix: [UInt8], from input: Int32, to descriptor: Int32) {
        guard prefix.withUnsafeBytes({ send(all: $0, to: descriptor) }) else { return }
        let chunk = 256 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, chunk)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            guard send(all: UnsafeRawBufferPointer(start: buffer, count: n), to: descriptor) else { return }
        }
    }

    private static func send(all bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let n = Glibc.send(descriptor, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}
