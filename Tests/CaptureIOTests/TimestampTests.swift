import Testing
@testable import CaptureIO

/// Capture times come from untrusted bytes (a pcapng `if_tsoffset` can push one to either end of
/// the 64-bit range, where it saturates): writing them never traps.
@Suite struct TimestampTests {
    @Test(arguments: [Int64.min, Int64.min + 1, -1_000_000_001, -1, 0, 999_999_999, 1_000_000_000, Int64.max])
    func extremeTimesAreWritten(_ nanoseconds: Int64) {
        let time = Timestamp(nanoseconds: nanoseconds)
        #expect((0..<1_000_000_000).contains(time.subsecondNanoseconds))
        // The parts add up again wherever that sum fits.
        let (product, overflow) = time.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if !overflow { #expect(product &+ time.subsecondNanoseconds == nanoseconds) }
        #expect(time.rfc3339(precision: .nanoseconds).hasSuffix("Z"))
        _ = time.utcFields
    }

    @Test func beforeTheEpochTheFractionCountsForward() {
        // -1 ns is 1969-12-31T23:59:59.999999999Z, as date(1) writes it.
        #expect(Timestamp(nanoseconds: -1).rfc3339(precision: .nanoseconds) == "1969-12-31T23:59:59.999999999Z")
        #expect(Timestamp(nanoseconds: 1_582_001_395_993_652_000).rfc3339() == "2020-02-18T04:49:55.993652Z")
    }
}
