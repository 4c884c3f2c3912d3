#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a capture comes from, as a reading command names it.
public enum CaptureInput {
    /// The name that means standard input (`tcpdump -w - | glancetrace analyze -`).
    public static let standardInput = "-"

    /// True when `path` cannot be read twice or sized in advance: standard input that is not a
    /// redirected file, a FIFO, a character device. Such an input is read once, front to back.
    public static func isStream(_ path: String) -> Bool {
        var st = stat()
        let status = path == standardInput ? fstat(STDIN_FILENO, &st) : stat(path, &st)
        guard status == 0 else { return false }
        return (st.st_mode & S_IFMT) != S_IFREG
    }
}
