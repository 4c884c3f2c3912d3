import CaptureIO
import Testing
@testable import Timeline

/// Repeated anomalies of one kind become one entry (issue 19); a few stay as they are.
struct AnomalyAggregationTests {
    func anomaly(_ kind: AnomalyKind, _ second: Int64, _ message: String) -> Anomaly {
        Anomaly(time: Timestamp(seconds: second, nanoseconds: 0), kind: kind, message: message)
    }

    @Test func aFewOfAKindStayListed() {
        let few = (0..<AnomalyAggregation.limit).map { anomaly(.incompleteRequest, Int64($0), "PUT /\($0)") }
        let result = AnomalyAggregation.aggregate(few)
        #expect(result.count == few.count)
        #expect(result.allSatisfy { $0.count == 1 && $0.examples.isEmpty })
    }

    @Test func manyOfAKindBecomeOneEntryInPlace() {
        var anomalies = [anomaly(.sqlError, 0, "MySQL error 1062")]
        anomalies += (1...1000).map { anomaly(.incompleteRequest, Int64($0), "PUT /v2/images/\($0)/file") }
        anomalies.append(anomaly(.checksumMismatch, 2000, "image x"))
        let result = AnomalyAggregation.aggregate(anomalies)
        #expect(result.map(\.kind.rawValue) == ["sql-error", "incomplete-request", "checksum-mismatch"])
        let flood = result[1]
        #expect(flood.count == 1000)
        #expect(flood.first == Timestamp(seconds: 1, nanoseconds: 0))
        #expect(flood.last == Timestamp(seconds: 1000, nanoseconds: 0))
        #expect(flood.examples == ["PUT /v2/images/1/file", "PUT /v2/images/2/file", "PUT /v2/images/3/file"])
        #expect(flood.message == "1000 times from 00:00:01.000000 to 00:16:40.000000")
    }
}
