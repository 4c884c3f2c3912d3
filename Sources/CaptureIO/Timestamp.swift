/// A capture time: nanoseconds since the Unix epoch, UTC.
///
/// Int64 nanoseconds reach the year 2262, far beyond any capture; one integer keeps
/// comparisons and differences cheap on the per-packet path.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public init(seconds: Int64, nanoseconds: Int64) {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, overflow2) = product.addingReportingOverflow(nanoseconds)
        self.nanoseconds = (overflow || overflow2) ? (seconds < 0 ? Int64.min : Int64.max) : sum
    }

    public static let zero = Timestamp(nanoseconds: 0)

    public var seconds: Int64 { nanoseconds.dividedFloor(by: 1_000_000_000) }
    /// Nanoseconds past `seconds`, in `0..<1_000_000_000`. A remainder, not
    /// `nanoseconds - seconds * 10^9`: near `Int64.min` (a saturated pcapng offset) that product
    /// does not fit in 64 bits.
    public var subsecondNanoseconds: Int64 {
        let remainder = nanoseconds % 1_000_000_000
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    /// Seconds as a floating-point value, for durations and rates in reports.
    public var secondsValue: Double { Double(nanoseconds) / 1e9 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// Adds a signed nanosecond offset, saturating instead of trapping.
    public func adding(nanoseconds delta: Int64) -> Timestamp {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return Timestamp(nanoseconds: overflow ? (delta < 0 ? Int64.min : Int64.max) : sum)
    }

    /// Nanoseconds from `other` to `self`, saturating.
    public func nanoseconds(since other: Timestamp) -> Int64 {
        let (diff, overflow) = nanoseconds.subtractingReportingOverflow(other.nanoseconds)
        return overflow ? (other.nanoseconds < 0 ? Int64.max : Int64.min) : diff
    }

    /// RFC 3339 UTC with microseconds (`2020-02-18T04:49:55.993652Z`) or nanoseconds.
    public func rfc3339(precision: TimestampPrecision = .microseconds) -> String {
        let secs = seconds
        let frac = subsecondNanoseconds
        let (days, secOfDay) = (secs.dividedFloor(by: 86_400), secs - secs.dividedFloor(by: 86_400) * 86_400)
        let (y, m, d) = Timestamp.civilFromDays(days)
        let hh = secOfDay / 3600, mm = (secOfDay % 3600) / 60, ss = secOfDay % 60
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(hh, 2) + ":" + pad(mm, 2) + ":" + pad(ss, 2)
        switch precision {
        case .microseconds: out += "." + pad(frac / 1000, 6)
        case .nanoseconds: out += "." + pad(frac, 9)
        }
        return out + "Z"
    }

    /// Calendar fields in UTC: (year, month, day, hour, minute, second).
    public var utcFields: (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) {
        let secs = seconds
        let days = secs.dividedFloor(by: 86_400)
        let secOfDay = secs - days * 86_400
        let (y, m, d) = Timestamp.civilFromDays(days)
        return (y, m, d, secOfDay / 3600, (secOfDay % 3600) / 60, secOfDay % 60)
    }

    // Howard Hinnant's days-to-civil algorithm: no Foundation, no time zone tables.
    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = z.dividedFloor(by: 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

/// How finely a capture's timestamps were recorded.
public enum TimestampPrecision: String, Sendable, Codable {
    case microseconds
    case nanoseconds
}

@inline(__always)
func pad(_ value: Int64, _ width: Int) -> String {
    let s = String(value < 0 ? -value : value)
    let body = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    return value < 0 ? "-" + body : body
}

extension Int64 {
    /// Floor division, so that times before 1970 format correctly.
    @inline(__always)
    public func dividedFloor(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
