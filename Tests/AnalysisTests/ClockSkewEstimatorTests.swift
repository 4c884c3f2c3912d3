import Testing
@testable import Analysis
@testable import Timeline

private let ms: Int64 = 1_000_000

/// The estimator on hand-made evidence, where the true skew and the bounds are known.
@Suite struct ClockSkewEstimatorTests {
    typealias Span = ClockSkewEvidence.Span

    /// Requests every 50 ms on the API side; each makes a checkout 3..(3 + 2k % 5) ms after it
    /// starts, ending 1 ms before its response; the database side's clock is `skew` ahead.
    static func evidence(skew: Int64, requests: Int = 40) -> (api: ClockSkewEvidence, db: ClockSkewEvidence) {
        var api = ClockSkewEvidence(), db = ClockSkewEvidence()
        for k in 0..<Int64(requests) {
            let start = 1_000_000_000_000 + k * 50 * ms
            let checkoutStart = start + 3 * ms + (2 * k % 5) * ms
            let checkoutEnd = checkoutStart + 4 * ms
            api.requestSpans.append(Span(start: start, end: checkoutEnd + 1 * ms))
            db.sqlCheckouts.append(Span(start: checkoutStart + skew, end: checkoutEnd + skew))
        }
        for span in api.requestSpans { api.note(.init(nanoseconds: span.start)); api.note(.init(nanoseconds: span.end)) }
        for span in db.sqlCheckouts { db.note(.init(nanoseconds: span.start)); db.note(.init(nanoseconds: span.end)) }
        return (api, db)
    }

    @Test(arguments: [-5_000 * ms, -2 * ms, 0, 2_750 * ms, 4_999 * ms])
    func sqlInsideRequestsFindsTheSkewAndItsCausalRange(_ skew: Int64) throws {
        let (api, db) = Self.evidence(skew: skew)
        let estimate = try #require(ClockSkewEstimator.sqlInsideRequests(file: db, reference: api))
        #expect(estimate.support == 40 && estimate.candidates == 40)
        // Tightest margins: 3 ms from a request's start to its first statement, 1 ms from the
        // last answer to the response; every skew between fits, the middle is reported.
        #expect(estimate.lower == skew - 1 * ms)
        #expect(estimate.upper == skew + 3 * ms)
        #expect(estimate.skew == skew + 1 * ms)
        #expect(estimate.method == .sqlInsideRequests)
    }

    @Test func checkoutsOfTheReferenceInsideRequestsOfTheFileCountToo() throws {
        let (api, db) = Self.evidence(skew: 1_234 * ms)
        // The same evidence the other way round: the skew has the opposite sign.
        let estimate = try #require(ClockSkewEstimator.sqlInsideRequests(file: api, reference: db))
        #expect(estimate.skew == -1_234 * ms - 1 * ms)
        #expect(estimate.lower == -1_234 * ms - 3 * ms && estimate.upper == -1_234 * ms + 1 * ms)
    }

    @Test func checkoutsExplainedInTheirOwnFileAreLeftOut() {
        var (api, db) = Self.evidence(skew: 0)
        // The database side also holds the requests (same clock): nothing is left to estimate from.
        db.requestSpans = api.requestSpans
        #expect(ClockSkewEstimator.sqlInsideRequests(file: db, reference: api) == nil)
    }

    @Test func tooLittleEvidenceGivesNoEstimate() {
        let (api, db) = Self.evidence(skew: 0, requests: 2)
        #expect(ClockSkewEstimator.sqlInsideRequests(file: db, reference: api) == nil)
    }

    @Test func skewsOutsideTheSearchRangeAreNotFound() {
        let (api, db) = Self.evidence(skew: 90_000 * ms)
        #expect(ClockSkewEstimator.sqlInsideRequests(file: db, reference: api) == nil)
        let wide = ClockSkewEstimator.sqlInsideRequests(file: db, reference: api, range: -100_000 * ms...100_000 * ms)
        #expect(wide?.skew == 90_001 * ms)
    }

    @Test func overlapTellsConcurrentCapturesFromPiecesTakenInTurn() {
        var a = ClockSkewEvidence(), b = ClockSkewEvidence(), c = ClockSkewEvidence()
        a.note(.init(nanoseconds: 0)); a.note(.init(nanoseconds: 10))
        b.note(.init(nanoseconds: 5)); b.note(.init(nanoseconds: 20))
        c.note(.init(nanoseconds: 10)); c.note(.init(nanoseconds: 30))
        #expect(a.overlaps(b) && b.overlaps(a))
        #expect(!a.overlaps(c), "a piece ending where the next begins shares no stretch of time")
        #expect(!ClockSkewEvidence().overlaps(a))
    }
}
