import CaptureIO
#if canImport(Glibc)
import Glibc
#endif

/// Parses the times `-A` and `-B` take, in editcap's formats.
///
/// `YYYY-MM-DDThh:mm:ss[.nnnnnnnnn][Z|+hh:mm|-hh:mm]` (a space may replace the `T`; without a
/// zone the time is local, `TZ` honoured), or seconds since the epoch with an optional fraction
/// (`1700000001.5`). Fractions keep up to nanoseconds, exactly (no floating point).
package enum SplitTime {
    package static func parse(_ text: String) -> Timestamp? {
        let s = Array(text.trimmingSpaces.utf8)
        guard !s.isEmpty else { return nil }
        if s.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e }) { return parseEpoch(s) }
        return parseCalendar(s)
    }

    private static func parseEpoch(_ s: [UInt8]) -> Timestamp? {
        var index = 0
        guard let seconds = number(s, &index, maxDigits: 12) else {
            if s.first == 0x2e, let nanos = fraction(s, 1) { return Timestamp(nanoseconds: nanos) }
            return nil
        }
        var nanos: Int64 = 0
        if index < s.count {
            guard s[index] == 0x2e, let f = fraction(s, index + 1) else { return nil }
            nanos = f
        }
        return Timestamp(seconds: Int64(seconds), nanoseconds: nanos)
    }

    private static func parseCalendar(_ s: [UInt8]) -> Timestamp? {
        var i = 0
        guard let year = number(s, &i, maxDigits: 4), expect(s, &i, 0x2d),
              let month = number(s, &i, maxDigits: 2), expect(s, &i, 0x2d),
              let day = number(s, &i, maxDigits: 2), i < s.count, s[i] == 0x54 || s[i] == 0x20 else { return nil }
        i += 1
        guard let hour = number(s, &i, maxDigits: 2), expect(s, &i, 0x3a),
              let minute = number(s, &i, maxDigits: 2), expect(s, &i, 0x3a),
              let second = number(s, &i, maxDigits: 2) else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        var nanos: Int64 = 0
        if i < s.count, s[i] == 0x2e {
            var end = i + 1
            while end < s.count, s[end] >= 0x30, s[end] <= 0x39 { end += 1 }
            guard let f = fraction(Array(s[..<end]), i + 1) else { return nil }
            nanos = f
            i = end
        }
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(month - 1)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(hour)
        fields.tm_min = Int32(minute)
        fields.tm_sec = Int32(second)
        let seconds: Int64
        if i == s.count {
            fields.tm_isdst = -1
            tzset()
            let t = mktime(&fields)
            guard t != -1 || (year == 1969 && month == 12 && day == 31) else { return nil }
            seconds = Int64(t)
        } else if s[i] == 0x5a, i + 1 == s.count {
            seconds = Int64(timegm(&fields))
        } else if s[i] == 0x2b || s[i] == 0x2d {
            let negative = s[i] == 0x2d
            i += 1
            guard let offsetHours = number(s, &i, maxDigits: 2) else { return nil }
            var offsetMinutes = 0
            if i < s.count {
                _ = expect(s, &i, 0x3a)
                guard let m = number(s, &i, maxDigits: 2), i == s.count else { return nil }
                offsetMinutes = m
            }
            let offset = Int64(offsetHours * 3600 + offsetMinutes * 60)
            seconds = Int64(timegm(&fields)) - (negative ? -offset : offset)
        } else {
            return nil
        }
        return Timestamp(seconds: seconds, nanoseconds: nanos)
    }

    private static func number(_ s: [UInt8], _ i: inout Int, maxDigits: Int) -> Int? {
        var value = 0
        var digits = 0
        while i < s.count, s[i] >= 0x30, s[i] <= 0x39, digits < maxDigits {
            value = value * 10 + Int(s[i] - 0x30)
            i += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func expect(_ s: [UInt8], _ i: inout Int, _ byte: UInt8) -> Bool {
        guard i < s.count, s[i] == byte else { return false }
        i += 1
        return true
    }

    /// Digits from `start` to the end as a fraction of a second in nanoseconds; digits past
    /// the ninth are dropped.
    private static func fraction(_ s: [UInt8], _ start: Int) -> Int64? {
        guard start < s.count else { return nil }
        var nanos: Int64 = 0
        var scale: Int64 = 100_000_000
        for byte in s[start...] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            nanos += Int64(byte - 0x30) * scale
            scale /= 10
        }
        return nanos
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}

/// Parses `-i`'s seconds ("1", "0.5", "3600") into nanoseconds, exactly.
package func parseIntervalNanoseconds(_ text: String) -> Int64? {
    guard let time = SplitTime.parseDuration(text), time > 0 else { return nil }
    return time
}

extension SplitTime {
    /// A non-negative decimal number of seconds in nanoseconds, or nil.
    package static func parseDuration(_ text: String) -> Int64? {
        let s = Array(text.trimmingSpaces.utf8)
        guard !s.isEmpty, s.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e }),
              s.filter({ $0 == 0x2e }).count <= 1 else { return nil }
        guard let time = parseEpoch(s) else { return nil }
        return time.nanoseconds
    }
}
