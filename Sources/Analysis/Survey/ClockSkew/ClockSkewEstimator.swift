/// Estimates how far one capture file's clock is from another's.
///
/// Two kinds of evidence, the first preferred:
/// - **The same packet in both files** (a host's own traffic captured on two hosts, or twice):
///   the difference of its two timestamps is the skew plus the time the packet took between the
///   capture points; the median over each direction, averaged over both directions, cancels that
///   transit time as NTP does. Exact to the capture jitter.
/// - **SQL inside its request** (an API node and a database node captured apart, sharing no
///   packet): a request's SQL is sent after the request arrived and answered before its response
///   left, so a pool checkout of one file must lie inside a request span of the other once the
///   skew is removed. Every offset that fits the most checkouts is equally consistent with
///   causality; the estimate is the middle of that range, whose half-width bounds its error
///   (about the service's fastest time from request to first statement, or from last answer to
///   response).
package enum ClockSkewEstimator {
    /// How the offset was found.
    package enum Method: String, Sendable {
        case sharedPackets = "shared-packets"
        case sqlInsideRequests = "sql-inside-requests"
    }

    /// The clock of one file minus the clock of the reference, in nanoseconds: subtract it from
    /// the file's timestamps (add `-skew` as `--time-offset` does).
    package struct Estimate: Sendable, Equatable {
        /// The estimated offset to add to the file's times, nanoseconds.
        package var skew: Int64
        /// Every skew in this range fits the evidence as well (shared packets: the two directions'
        /// medians).
        package var lower: Int64
        /// The largest offset consistent with the evidence, nanoseconds.
        package var upper: Int64
        /// Which evidence gave the estimate.
        package var method: Method
        /// Matched packets, or checkouts that fit.
        package var support: Int
        /// Segments or checkouts that could have matched.
        package var candidates: Int
    }

    /// Packets of `file` found in `reference`: at least `minimumMatches` segments seen once in each.
    package static func sharedPackets(file: ClockSkewEvidence, reference: ClockSkewEvidence,
                                     minimumMatches: Int = 8) -> Estimate? {
        var forward: [Int64] = [], backward: [Int64] = []
        for (key, sighting) in file.segments where !sighting.repeated {
            guard let other = reference.segments[key], !other.repeated else { continue }
            let difference = sighting.time &- other.time
            if sighting.fromLowerEndpoint { forward.append(difference) } else { backward.append(difference) }
        }
        let count = forward.count + backward.count
        guard count >= minimumMatches else { return nil }
        let skew: Int64, lower: Int64, upper: Int64
        if let a = median(&forward), let b = median(&backward), forward.count >= 3, backward.count >= 3 {
            // Transit time adds to one direction and subtracts from the other.
            skew = a / 2 &+ b / 2 &+ (a % 2 &+ b % 2) / 2
            (lower, upper) = (min(a, b), max(a, b))
        } else {
            var all = forward + backward
            skew = median(&all) ?? 0
            (lower, upper) = (skew, skew)
        }
        return Estimate(skew: skew, lower: lower, upper: upper, method: .sharedPackets, support: count,
                        candidates: min(file.segmentCount, reference.segmentCount))
    }

    /// The skew of `file` against `reference` that puts the most SQL checkouts of either inside a
    /// request span of the other, searched within `range` (nanoseconds). Checkouts that already
    /// lie inside a request of their own file say nothing about the skew and are left out. Nil
    /// when fewer than `minimumSupport` checkouts fit anywhere.
    package static func sqlInsideRequests(file: ClockSkewEvidence, reference: ClockSkewEvidence,
                                         range: ClosedRange<Int64> = -60_000_000_000...60_000_000_000,
                                         maximumCheckouts: Int = 2_000, minimumSupport: Int = 3) -> Estimate? {
        // Each checkout gives the set of skews that put it inside some span: a union of intervals.
        var events: [(x: Int64, step: Int)] = []
        var candidates = 0
        func add(_ intervals: [(Int64, Int64)]) {
            candidates += 1
            for (lower, upper) in merged(intervals) {
                events.append((lower, 1))
                events.append((upper, -1))
            }
        }
        // Checkouts of `file` inside spans of `reference`: skew in [c.end - s.end, c.start - s.start].
        let longestReference = reference.requestSpans.map { $0.end &- $0.start }.max() ?? 0
        let longestFile = file.requestSpans.map { $0.end &- $0.start }.max() ?? 0
        for checkout in unexplained(sample(file.sqlCheckouts, maximumCheckouts), by: file.requestSpans) {
            add(fits(checkout, in: reference.requestSpans, longest: longestReference, range: range, inverted: false))
        }
        // Checkouts of `reference` inside spans of `file`: skew in [s.start - c.start, s.end - c.end].
        for checkout in unexplained(sample(reference.sqlCheckouts, maximumCheckouts), by: reference.requestSpans) {
            add(fits(checkout, in: file.requestSpans, longest: longestFile, range: range, inverted: true))
        }
        // Sweep: at equal positions openings come first, so touching intervals count together.
        events.sort { $0.x != $1.x ? $0.x < $1.x : $0.step > $1.step }
        var best = 0, count = 0
        var segments: [(Int64, Int64)] = []
        for (i, event) in events.enumerated() {
            count += event.step
            guard event.step > 0 else { continue }
            let next = i + 1 < events.count ? events[i + 1].x : event.x
            if count > best {
                best = count
                segments = [(event.x, next)]
            } else if count == best {
                segments.append((event.x, next))
            }
        }
        guard best >= minimumSupport else { return nil }
        // Adjacent pieces of one plateau join; of several plateaus, the one nearest no skew wins
        // (clocks are usually close; a far one fits as well only by chance).
        let plateaus = merged(segments)
        guard let plateau = plateaus.min(by: { distance(toZero: $0) < distance(toZero: $1) }) else { return nil }
        let middle = plateau.0 / 2 &+ plateau.1 / 2 &+ (plateau.0 % 2 &+ plateau.1 % 2) / 2
        return Estimate(skew: middle, lower: plateau.0, upper: plateau.1, method: .sqlInsideRequests,
                        support: best, candidates: candidates)
    }

    // MARK: - Pieces

    /// The skews that put `checkout` inside one of `spans` (sorted by start), clipped to `range`.
    /// Only spans starting in a window the range allows are looked at.
    private static func fits(_ checkout: ClockSkewEvidence.Span, in spans: [ClockSkewEvidence.Span], longest: Int64,
                             range: ClosedRange<Int64>, inverted: Bool) -> [(Int64, Int64)] {
        let duration = checkout.end &- checkout.start
        let (windowStart, windowEnd) = inverted
            ? (checkout.end &+ range.lowerBound &- longest, checkout.start &+ range.upperBound)
            : (checkout.end &- range.upperBound &- longest, checkout.start &- range.lowerBound)
        var result: [(Int64, Int64)] = []
        var index = firstIndex(in: spans, startingAfter: windowStart &- 1)
        while index < spans.count, spans[index].start <= windowEnd {
            let span = spans[index]
            index += 1
            guard span.end &- span.start >= duration else { continue }
            let lower = inverted ? span.start &- checkout.start : checkout.end &- span.end
            let upper = inverted ? span.end &- checkout.end : checkout.start &- span.start
            guard upper >= range.lowerBound, lower <= range.upperBound else { continue }
            result.append((max(lower, range.lowerBound), min(upper, range.upperBound)))
        }
        return result
    }

    /// Index of the first span that starts after `time`.
    private static func firstIndex(in spans: [ClockSkewEvidence.Span], startingAfter time: Int64) -> Int {
        var low = 0, high = spans.count
        while low < high {
            let middle = (low + high) / 2
            if spans[middle].start <= time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Checkouts not inside any span of their own file.
    private static func unexplained(_ checkouts: [ClockSkewEvidence.Span],
                                    by spans: [ClockSkewEvidence.Span]) -> [ClockSkewEvidence.Span] {
        checkouts.filter { checkout in
            let end = firstIndex(in: spans, startingAfter: checkout.start)
            return !spans[0..<end].contains { $0.end >= checkout.end }
        }
    }

    private static func sample(_ checkouts: [ClockSkewEvidence.Span], _ limit: Int) -> [ClockSkewEvidence.Span] {
        guard checkouts.count > limit, limit > 0 else { return checkouts }
        let step = Double(checkouts.count) / Double(limit)
        return (0..<limit).map { checkouts[Int(Double($0) * step)] }
    }

    private static func merged(_ intervals: [(Int64, Int64)]) -> [(Int64, Int64)] {
        let sorted = intervals.filter { $0.0 <= $0.1 }.sorted { $0.0 < $1.0 }
        var result: [(Int64, Int64)] = []
        for (lower, upper) in sorted {
            if let last = result.last, lower <= last.1 {
                result[result.count - 1].1 = max(last.1, upper)
            } else {
                result.append((lower, upper))
            }
        }
        return result
    }

    private static func distance(toZero interval: (Int64, Int64)) -> Int64 {
        if interval.0 > 0 { return interval.0 }
        if interval.1 < 0 { return -interval.1 }
        return 0
    }

    private static func median(_ values: inout [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        values.sort()
        return values[values.count / 2]
    }
}
