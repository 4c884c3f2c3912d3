import CaptureIO

/// RFC 3339 times for a listing (`glancetrace http`, `glancetrace sql`), one per line:
/// consecutive lines nearly always share their second, whose text (`2026-11-24T23:12:05.`) is
/// made once here (from its minute's, which `Timestamp.rfc3339` makes); each line adds only
/// its fraction. The text is `rfc3339(precision:)`'s.
struct ListTimeText {
    let precision: TimestampPrecision
    private var minute: Int64?
    private var minutePrefix: [UInt8] = []
    private var second: Int64?
    private var secondPrefix: [UInt8] = []

    init(precision: TimestampPrecision) {
        self.precision = precision
    }

    mutating func text(_ time: Timestamp) -> String {
        var out: [UInt8] = []
        append(time, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `time`'s text to `out` (a listing's buffer: no string of its own per line).
    mutating func append(_ time: Timestamp, to out: inout [UInt8]) {
        let seconds = time.seconds
        if seconds != second {
            guard newSecond(seconds) else { out.append(text: time.rfc3339(precision: precision)); return }
        }
        out.append(contentsOf: secondPrefix)
        switch precision {
        case .microseconds: out.append(digits: time.subsecondNanoseconds / 1000, width: 6)
        case .nanoseconds: out.append(digits: time.subsecondNanoseconds, width: 9)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// Makes the text of `seconds` up to its fraction; false for a minute at the very edge of
    /// the range (a hostile capture's time), which cannot be made.
    private mutating func newSecond(_ seconds: Int64) -> Bool {
        let minute = seconds.dividedFloor(by: 60)  // floor, for times before 1970
        if minute != self.minute {
            let start = Timestamp(seconds: minute * 60, nanoseconds: 0)
            guard start.seconds == minute * 60 else { return false }
            let full = Array(start.rfc3339(precision: precision).utf8)
            guard let colon = full.lastIndex(of: UInt8(ascii: ":")) else { return false }
            minutePrefix = Array(full[...colon])
            self.minute = minute
        }
        secondPrefix = minutePrefix
        secondPrefix.append(digits: seconds - minute * 60, width: 2)
        secondPrefix.append(UInt8(ascii: "."))
        second = seconds
        return true
    }
}
