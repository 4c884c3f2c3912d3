/// Converts the raw 64-bit timestamps of one pcapng interface to `Timestamp`s.
///
/// pcapng counts time in units of `if_tsresol` (10^-n or 2^-n seconds, microseconds by default)
/// and shifts it by `if_tsoffset` seconds. The common resolutions divide a second evenly into
/// nanoseconds, so the per-packet path is one multiplication; the rest (2^-n, 10^-12) take the
/// exact, slower route.
struct TimestampScale: Sendable {
    /// Timestamp units per second.
    let unitsPerSecond: UInt64
    /// Nanoseconds per unit when that is a whole number (10^-9 .. 10^0 resolutions), else 0.
    private let nanosecondsPerUnit: UInt64
    /// `if_tsoffset`, in nanoseconds (saturated).
    let offsetNanoseconds: Int64

    static let microseconds = TimestampScale(unitsPerSecond: 1_000_000, offsetSeconds: 0)

    init(unitsPerSecond: UInt64, offsetSeconds: Int64) {
        let units = max(unitsPerSecond, 1)
        self.unitsPerSecond = units
        nanosecondsPerUnit = units <= 1_000_000_000 && 1_000_000_000 % units == 0 ? 1_000_000_000 / units : 0
        let (offset, overflow) = offsetSeconds.multipliedReportingOverflow(by: 1_000_000_000)
        offsetNanoseconds = overflow ? (offsetSeconds < 0 ? Int64.min : Int64.max) : offset
    }

    /// Units per second for an `if_tsresol` byte: high bit clear = 10^-n, set = 2^-n seconds.
    /// Nil when the unit is finer than a 64-bit count can express per second.
    static func unitsPerSecond(tsresol: UInt8) -> UInt64? {
        let exponent = Int(tsresol & 0x7f)
        if tsresol & 0x80 != 0 {
            return exponent <= 63 ? UInt64(1) << UInt64(exponent) : nil
        }
        guard exponent <= 19 else { return nil } // 10^19 is the largest power of ten in a UInt64
        var units: UInt64 = 1
        for _ in 0..<exponent { units &*= 10 }
        return units
    }

    /// The time of a raw timestamp, offset included; saturates instead of trapping.
    @inline(__always)
    func timestamp(_ raw: UInt64) -> Timestamp {
        if nanosecondsPerUnit != 0 {
            let (ns, overflow) = raw.multipliedReportingOverflow(by: nanosecondsPerUnit)
            if !overflow && ns <= UInt64(Int64.max) && offsetNanoseconds == 0 {
                return Timestamp(nanoseconds: Int64(ns))
            }
        }
        return exactTimestamp(raw)
    }

    private func exactTimestamp(_ raw: UInt64) -> Timestamp {
        let seconds = raw / unitsPerSecond
        let remainder = raw % unitsPerSecond
        // remainder < unitsPerSecond, so the quotient is below 10^9: dividingFullWidth cannot trap.
        // Truncation, not rounding, as Wireshark and libpcap do.
        let wide = remainder.multipliedFullWidth(by: 1_000_000_000)
        let fraction = unitsPerSecond.dividingFullWidth((high: wide.high, low: wide.low)).quotient
        return Timestamp(seconds: Int64(clamping: seconds), nanoseconds: Int64(fraction))
            .adding(nanoseconds: offsetNanoseconds)
    }
}
