#if canImport(Glibc)
import Glibc
#endif
import CFileCalls

/// A 1 MB pipe the kernel copies file bytes through with `splice`, page cache to page cache.
///
/// `sendfile` does the same through a pipe of its own, 64 KB, so every write it makes is at most
/// 64 KB. When the source and destination offsets differ in their place within a page, which
/// they do for a split piece (a 24-byte header, then records from anywhere in the input), those
/// writes start and end mid-page, and the destination's page cache is built of 4 KB folios
/// instead of large ones: on the 2 GB capture, 446 pieces took 0.86 s through `sendfile` and 0.61
/// s through this pipe (in one thread, file creation included), against 0.53 s for `cp`, whose
/// copy is aligned. Writes of 1 MB grow large folios whatever the alignment.
///
/// One pipe serves one thread at a time: a copy leaves it empty, or, after a failed write,
/// `isBroken` (bytes may be left in it) and it is not used again.
public final class SplicePipe {
    /// The bytes one `move` copies at most.
    public static let capacity = 1 << 20

    private let readEnd: Int32
    private let writeEnd: Int32
    /// A write to the destination failed with bytes still in the pipe.
    public private(set) var isBroken = false

    /// Nil when the pipe cannot be made or sized (`/proc/sys/fs/pipe-max-size`, the user's
    /// pipe-buffer limit): the copies then go through `sendfile`.
    public init?() {
        var ends: [Int32] = [-1, -1]
        guard gt_open_sized_pipe(&ends, Int32(SplicePipe.capacity)) == 0 else { return nil }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// What one `move` came to.
    public enum Outcome {
        /// This many bytes were copied (more than zero).
        case moved(Int)
        /// The source has no byte at the offset.
        case endOfSource
        /// This pair of files cannot be spliced (a file system without splice): copy the rest
        /// another way. `moved` bytes were copied all the same (0 when the source refused).
        case unsupported(moved: Int)
        /// The copy failed (errno); the pipe may be broken.
        case failed(Int32)
    }

    /// Copies up to `count` bytes (at most `capacity`) of `source` at `offset` (advanced) to
    /// `destination` at its file position.
    public func move(from source: Int32, offset: inout Int64, to destination: Int32, count: Int) -> Outcome {
        var read: Int
        repeat {
            read = gt_splice_file_to_pipe(source, &offset, writeEnd, min(count, SplicePipe.capacity))
        } while read < 0 && errno == EINTR
        if read == 0 { return .endOfSource }
        if read < 0 {
            let reason = errno
            return SplicePipe.meansUnsupported(reason) ? .unsupported(moved: 0) : .failed(reason)
        }
        var left = read
        while left > 0 {
            let written = gt_splice_pipe_to_file(readEnd, destination, left)
            if written > 0 {
                left -= written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && SplicePipe.meansUnsupported(errno) {
                // The bytes are in the pipe already: they go out with read and write.
                if let reason = drain(left, to: destination) {
                    isBroken = true
                    return .failed(reason)
                }
                return .unsupported(moved: read)
            } else {
                isBroken = true
                return .failed(written == 0 ? ENOSPC : errno)
            }
        }
        return .moved(read)
    }

    private static func meansUnsupported(_ reason: Int32) -> Bool {
        reason == EINVAL || reason == ENOSYS || reason == EXDEV || reason == EOPNOTSUPP
    }

    /// Writes the `count` bytes left in the pipe to `destination` with read and write; returns
    /// the errno of a failure.
    private func drain(_ count: Int, to destination: Int32) -> Int32? {
        let size = 64 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var left = count
        while left > 0 {
            let got = Glibc.read(readEnd, buffer, min(left, size))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return got == 0 ? EIO : errno }
            var done = 0
            while done < got {
                let put = Glibc.write(destination, buffer + done, got - done)
                if put < 0 && errno == EINTR { continue }
                guard put > 0 else { return put == 0 ? ENOSPC : errno }
                done += put
            }
            left -= got
        }
        return nil
    }
}
