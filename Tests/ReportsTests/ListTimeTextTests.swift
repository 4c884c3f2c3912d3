import CaptureIO
import Testing
@testable import Reports

/// The listing's cached minute text must give `Timestamp.rfc3339`'s text, line after line.
@Suite struct ListTimeTextTests {
    @Test(arguments: [TimestampPrecision.microseconds, .nanoseconds])
    func sameTextAsRFC3339(precision: TimestampPrecision) {
        var times = ListTimeText(precision: precision)
        // Ascending within a minute, across minutes, days and years, backwards, before 1970.
        let seconds: [Int64] = [1_700_000_000, 1_700_000_000, 1_700_000_059, 1_700_000_060, 1_700_000_001,
                                1_704_067_199, 1_704_067_200, 0, -1, -60, -61, 59, 60, 253_402_300_799]
        let fractions: [Int64] = [0, 1, 999, 1000, 500_500, 999_999_999]
        for second in seconds {
            for fraction in fractions {
                let time = Timestamp(seconds: second, nanoseconds: fraction)
                #expect(times.text(time) == time.rfc3339(precision: precision))
            }
        }
        // Int64.min itself is left out: `Timestamp.subsecondNanoseconds` overflows there.
        for time in [Timestamp(nanoseconds: .max), Timestamp(nanoseconds: .min + 1_000_000_000)] {
            #expect(times.text(time) == time.rfc3339(precision: precision))
        }
    }
}
