#if canImport(Glibc)
import Glibc
#endif

/// tcpdump's rules for `-w FILE` with `-C`, `-G` and `-W`: when to start a new file, what to
/// call it, and when to stop. Pure arithmetic (times and sizes are inputs), so the rules can
/// be tested without a capture.
///
/// As in tcpdump (`dump_packet_and_trunc`, `MakeFilename`):
/// - `-G S`: before writing a packet, if the wall clock is S or more seconds past the current
///   file's start, a new file starts, and its start is *now* (not a multiple of S). The name is
///   the pattern through `strftime` in local time at that start. With `-W N` and no `-C`, the
///   capture stops instead of opening file N+1.
/// - `-C M`: before writing a packet, if the file already holds more than M × 1,000,000 bytes, a
///   new file starts, named pattern + counter: no counter on the very first file unless `-W` is
///   given, then 1, 2, ...; with `-W N` the counter is zero-padded to the digits of N-1 and wraps
///   to 0 after N-1 (a ring). A time rotation resets the counter to 0.
public struct FileRotation: Sendable, Equatable {
    public var pattern: String
    /// `-C`: millions of bytes.
    public var megabytes: Int?
    /// `-G`: seconds per file.
    public var seconds: Int?
    /// `-W`: file count.
    public var fileCount: Int?

    /// Start of the current time interval (tcpdump's `Gflag_time`), seconds since the epoch.
    public private(set) var intervalStart: Int64
    /// Files finished because of `-G` (tcpdump's `Gflag_count`).
    public private(set) var intervalCount = 0
    /// Counter of the `-C` rotation (tcpdump's `Cflag_count`).
    public private(set) var sizeCount = 0

    /// What to do before writing the next packet.
    public enum Decision: Sendable, Equatable {
        case keep
        /// Close the current file and open this one.
        case rotate(to: String)
        /// `-G` with `-W`: the last file is complete.
        case stop
    }

    public init(pattern: String, megabytes: Int? = nil, seconds: Int? = nil, fileCount: Int? = nil, start: Int64) {
        self.pattern = pattern
        self.megabytes = megabytes
        self.seconds = seconds
        self.fileCount = fileCount
        intervalStart = start
    }

    /// The name of the current file.
    public var currentName: String {
        name(count: sizeCount, width: megabytes != nil ? counterWidth : 0)
    }

    /// tcpdump's `WflagChars`: the number of digits of N-1.
    var counterWidth: Int {
        guard var x = fileCount.map({ $0 - 1 }) else { return 0 }
        var digits = 0
        while x > 0 {
            digits += 1
            x /= 10
        }
        return digits
    }

    /// Decides, before a packet is written at wall-clock second `now`, with the current file
    /// holding `size` bytes.
    public mutating func decide(now: Int64, size: Int64) -> Decision {
        if let seconds, seconds > 0, now &- intervalStart >= Int64(seconds) {
            intervalStart = now
            intervalCount += 1
            if megabytes == nil, let fileCount, fileCount > 0, intervalCount >= fileCount { return .stop }
            sizeCount = 0
            return .rotate(to: currentName)
        }
        if let megabytes, megabytes > 0, size > Int64(megabytes) &* 1_000_000 {
            sizeCount += 1
            if let fileCount, fileCount > 0, sizeCount >= fileCount { sizeCount = 0 }
            return .rotate(to: name(count: sizeCount, width: counterWidth))
        }
        return .keep
    }

    /// True when the pattern changes with time (has a `%` conversion for strftime).
    public var patternHasTime: Bool { pattern.contains("%") }

    private func name(count: Int, width: Int) -> String {
        var base = pattern
        if seconds != nil {
            var t = time_t(intervalStart)
            var fields = tm()
            localtime_r(&t, &fields)
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = strftime(&buffer, buffer.count, pattern, &fields)
            if n > 0 { base = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
        if count == 0 && width == 0 { return base }
        let digits = String(count)
        return base + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
