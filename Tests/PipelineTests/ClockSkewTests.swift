import Analysis
import Foundation
import Reports
import Splitting
import TestSupport
import Testing
import Timeline

/// Captures of one deployment taken on several hosts, their clocks apart: the skew is estimated
/// (within 1 ms of the one `editcap -t` applied), applied, reported, and the merged timeline is
/// the one of a single capture with one clock.
@Suite struct ClockSkewTests {
    static let scenario = TestbedCaptures.directory("r-veth-lossy")
    static let api = scenario.appendingPathComponent("api.pcap.gz").path
    static let db = scenario.appendingPathComponent("db.pcap.gz").path

    /// `editcap -t SECONDS` of `input` into `directory`; nil when editcap is not installed.
    static func shifted(_ input: String, by seconds: String, in directory: URL) throws -> String? {
        let output = directory.appendingPathComponent("shifted\(seconds).pcap").path
        guard let run = try ExternalTool.runIfInstalled("editcap", ["-F", "pcap", "-t", seconds, input, output]), run.status == 0 else { return nil }
        return output
    }

    /// The timeline as the reports show it, times to the millisecond: what must not change.
    static func story(_ result: AnalysisResult) throws -> [String: Any] {
        var document = try JSONDifference.object(AnalysisJSON.document(result).serialized())
        document["captures"] = nil
        return document
    }

    /// True when every difference of `a` and `b` is a time (RFC 3339) or a duration within `tolerance` s.
    static func equalWithin(_ tolerance: Double, _ a: [String: Any], _ b: [String: Any]) -> [String] {
        JSONDifference.paths(a, b).filter { path in
            guard let x = value(a, path), let y = value(b, path) else { return true }
            if let s = x as? String, let t = y as? String, let p = seconds(s), let q = seconds(t) { return abs(p - q) > tolerance }
            if let p = x as? Double, let q = y as? Double, path.hasSuffix("duration_ms") || path.hasSuffix("duration_s") {
                return abs(p - q) > tolerance * (path.hasSuffix("_ms") ? 2_000 : 2)
            }
            return true
        }
    }

    static func value(_ root: Any, _ path: String) -> Any? {
        var node: Any? = root
        for part in path.split(separator: "/") {
            if let index = Int(part), let array = node as? [Any] { node = array.indices.contains(index) ? array[index] : nil }
            else { node = (node as? [String: Any])?[String(part)] }
        }
        return node
    }

    static func seconds(_ text: String) -> Double? {
        guard text.count >= 20, text.hasSuffix("Z"), let dot = text.firstIndex(of: ".") else { return nil }
        let formatter = ISO8601DateFormatter()
        guard let whole = formatter.date(from: String(text[..<dot]) + "Z"),
              let fraction = Double("0" + text[dot..<text.index(before: text.endIndex)]) else { return nil }
        return whole.timeIntervalSince1970 + fraction
    }

    /// r-veth-lossy's API side (the veth) and database side (lo) share no packet: the skew comes
    /// from SQL checkouts inside request spans. Each applied skew is found within 1 ms, and the
    /// merged timeline equals the unskewed one (the same files with their one clock, given).
    @Test func skewBetweenAPIAndDatabaseCaptures() throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var oneClock = CaptureAnalysis.Options()
        oneClock.timeOffsets = [Self.api: 0, Self.db: 0]
        let unskewed = try Self.story(CaptureAnalysis(options: oneClock).run(paths: [Self.api, Self.db]))
        for applied in ["-5", "-0.0015", "2.75", "4.999999"] {
            guard let db = try Self.shifted(Self.db, by: applied, in: directory) else {
                print("skipped: editcap not installed")
                return
            }
            let result = try CaptureAnalysis(options: .init()).run(paths: [Self.api, db])
            let capture = result.captures[1]
            #expect(capture.timeOffsetSource == "estimated")
            let estimated = Double(capture.timeOffsetNanoseconds ?? 0) / 1e9
            // editcap added `applied` to the database side's clock: the correction is its opposite.
            #expect(abs(estimated + (Double(applied) ?? 0)) < 0.001, "applied \(applied) s, estimated \(estimated) s")
            #expect(capture.timeOffsetEstimate?.method == .sqlInsideRequests)
            #expect(result.captures[0].timeOffsetSource == nil && result.captures[0].timeOffsetNanoseconds == nil)
            let differences = Self.equalWithin(0.001, try Self.story(result), unskewed)
            #expect(differences.isEmpty, "applied \(applied) s: \(differences.prefix(10))")
        }
    }

    /// The derived t-two-captures scenario (+2.75 s on the database side), when it is there.
    @Test func testBedTwoCaptures() throws {
        guard let directory = TestbedCaptures.fullDirectory("t-two-captures") else {
            print("skipped: t-two-captures is not in testbed-captures")
            return
        }
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("truth.json"))) as? [String: Any]
        let applied = try #require((truth?["clock_offsets"] as? [String: Any])?["db.pcap_minus_true_time_s"] as? Double)
        let result = try CaptureAnalysis(options: .init())
            .run(paths: [directory.appendingPathComponent("api.pcap").path, directory.appendingPathComponent("db.pcap").path])
        let estimated = Double(result.captures[1].timeOffsetNanoseconds ?? 0) / 1e9
        #expect(abs(estimated + applied) < 0.001, "applied \(applied) s, estimated \(estimated) s")
    }

    /// Two captures holding the same packets (a-seed cut by port into Keystone + MySQL and Glance
    /// + MySQL, one shifted): the shared MySQL segments give the skew to the microsecond.
    @Test(.enabled(if: ProjectPaths.sharedCapturesAvailable, "../shared/captures is not next to this checkout"))
    func skewFromSharedPackets() throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func cut(_ filter: String, _ name: String) throws -> String {
            var configuration = SplitConfiguration(boundary: .packets(Int.max))
            configuration.filter = filter
            let summary = try CaptureSplitter(configuration: configuration)
                .split(input: ProjectPaths.sharedCapture("a-seed"), output: directory.appendingPathComponent(name).path)
            return try #require(summary.pieces.first?.path)
        }
        let glance = try cut("tcp port 9292 or tcp port 3306", "glance.pcap")
        let keystone = try cut("tcp port 5000 or tcp port 3306", "keystone.pcap")
        guard let skewed = try Self.shifted(keystone, by: "-3.210987", in: directory) else {
            print("skipped: editcap not installed")
            return
        }
        let result = try CaptureAnalysis(options: .init()).run(paths: [glance, skewed])
        #expect(result.captures[1].timeOffsetNanoseconds == 3_210_987_000)
        #expect(result.captures[1].timeOffsetEstimate?.method == .sharedPackets)
        let whole = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.sharedCapture("a-seed")])
        #expect(result.http.map { "\($0.time) \($0.method) \($0.path)" } == whole.http.map { "\($0.time) \($0.method) \($0.path)" })
        #expect(result.timeline.images.map { $0.transitions.map { "\($0.status) \($0.time)" } }
                == whole.timeline.images.map { $0.transitions.map { "\($0.status) \($0.time)" } })
    }

    /// `--time-offset` wins over the estimate and is reported as given.
    @Test func givenOffsetOverridesTheEstimate() throws {
        var options = CaptureAnalysis.Options()
        options.timeOffsets = [Self.db: 1_500_000_000]
        let result = try CaptureAnalysis(options: options).run(paths: [Self.api, Self.db])
        #expect(result.captures[1].timeOffsetNanoseconds == 1_500_000_000)
        #expect(result.captures[1].timeOffsetSource == "given")
        #expect(result.captures[1].timeOffsetEstimate == nil)
        // The API side, not given, is estimated against the database side's given clock.
        let estimated = Double(result.captures[0].timeOffsetNanoseconds ?? 0) / 1e9
        #expect(result.captures[0].timeOffsetSource == "estimated")
        #expect(abs(estimated - 1.5) < 0.001)
    }
}
