import CaptureIO

/// RFC 3339 times for a listing (`glancetrace http`, `glancetrace sql`), one per line:
/// consecutive lines nearly always share their minute, whose text (`2026-11-24T23:12:`)
/// `Timestamp.rfc3339` makes once here; each line adds only its seconds and fraction. The text
/// is `rfc3339(precision:)`'s.
struct ListTimeText {
    let precision: TimestampPrecision
    private var minute: Int64?
    private var minutePrefix = ""

    init(precision: TimestampPrecision) {
        self.precision = precision
    }

    mutating func text(_ time: Timestamp) -> String {
        var out = ""
        append(time, to: &out)
        return out
    }

    /// Appends `time`'s text to `out` (a listing's buffer: no string of its own per line).
    mutating func append(_ time: Timestamp, to out: inout String) {
        let seconds = time.seconds
        let minute = seconds.dividedFloor(by: 60)  // floor, for times before 1970
        if minute != self.minute {
            let start = Timestamp(seconds: minute * 60, nanoseconds: 0)
            // A minute at the very edge of the range (a hostile capture's time) cannot be made.
            guard start.seconds == minute * 60 else { out += time.rfc3339(precision: precision); return }
            let full = start.rfc3339(precision: precision)
            guard let colon = full.lastIndex(of: ":") else { out += time.rfc3339(precision: precision); return }
            minutePrefix = String(full[...colon])
            self.minute = minute
        }
        out += minutePrefix
        ListTimeText.append(seconds - minute * 60, width: 2, to: &out)
        out += "."
        switch precision {
        case .microseconds: ListTimeText.append(time.subsecondNanoseconds / 1000, width: 6, to: &out)
        case .nanoseconds: ListTimeText.append(time.subsecondNanoseconds, width: 9, to: &out)
        }
        out += "Z"
    }

    /// `value` (below 10^width, not negative) in `width` decimal digits.
    private static func append(_ value: Int64, width: Int, to out: inout String) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor &*= 10 }
        while divisor > 0 {
            out.unicodeScalars.append(Unicode.Scalar(UInt8(truncatingIfNeeded: 48 &+ (value / divisor) % 10)))
            divisor /= 10
        }
    }
}
