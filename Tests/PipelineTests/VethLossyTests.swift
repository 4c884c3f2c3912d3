import Analysis
import Foundation
import TestSupport
import Testing
import Timeline

extension TestbedCaptures {
    /// `testbed-captures/<scenario>` with its truth.json, if the full recording is around.
    static func fullDirectory(_ scenario: String) -> URL? {
        ProjectPaths.testbedRecording(scenario, holding: [["truth.json"]])
    }
}

/// Scenario r-veth-lossy of the test bed: clients behind a veth pair (Ethernet, MTU 1500, 1448-byte
/// segments), loss and reordering on the way to the servers, HTTP captured on the veth and MySQL
/// on lo. Checked against the servers' own logs (truth.json).
@Suite struct VethLossyTests {
    static var truth: [String: Any] { (try? TestbedCaptures.truth("r-veth-lossy")) ?? [:] }

    /// The requests of the servers' logs that crossed the veth (the rest, Glance's token checks at
    /// Keystone on lo, are in no capture of this scenario).
    static var capturedRequests: [[String: Any]] {
        (truth["http_requests"] as? [[String: Any]] ?? []).filter { $0["captured_in"] as? String == "api.pcap" }
    }

    static func requestKeys(_ requests: [[String: Any]]) -> [String] {
        requests.map { "\($0["method"] ?? "") \(($0["path"] as? String ?? "").split(separator: "?").first ?? "") \($0["status"] ?? "")" }.sorted()
    }

    static func check(_ result: AnalysisResult) throws {
        #expect(Self.requestKeys(Self.capturedRequests).count == 42)
        #expect(result.http.map { "\($0.method) \($0.path) \($0.status ?? 0)" }.sorted() == Self.requestKeys(Self.capturedRequests))
        let expected = Self.truth["image_status_transitions"] as? [String: [String]] ?? [:]
        #expect(expected.count == 3)
        for (id, statuses) in expected {
            #expect(result.timeline.images.first { $0.id == id }?.transitions.map(\.status) == statuses, "\(id)")
        }
        // MariaDB's general log has every statement but the pool's pings.
        let logged = (Self.truth["sql"] as? [[String: Any]] ?? []).count
        #expect(result.sql.filter { $0.command == .query }.count == logged)
    }

    /// The slim fixture: the same story, no loss, the image bytes counted as not captured.
    @Test func slimFixtureAgainstTheServersLogs() throws {
        let api = TestbedCaptures.directory("r-veth-lossy").appendingPathComponent("api.pcap.gz").path
        let db = TestbedCaptures.directory("r-veth-lossy").appendingPathComponent("db.pcap.gz").path
        let result = try CaptureAnalysis(options: .init()).run(paths: [api, db])
        try Self.check(result)
        #expect(result.tcp.missingBytes == 0 && result.tcp.gaps == 0)
        #expect(result.tcp.retransmittedSegments > 1_000 && result.tcp.outOfOrderSegments > 1_000, "the loss and reordering are real")
        #expect(result.timeline.anomalies.isEmpty, "\(result.timeline.anomalies)")
        let sizes = Self.capturedRequests.filter { $0["method"] as? String == "PUT" }.compactMap { $0["request_content_length"] as? Int }
        #expect(sizes.count == 3)
        #expect(result.tcp.bytesNotCaptured == sizes.reduce(0, +))
        for image in result.timeline.images where image.upload != nil {
            #expect(image.upload?.matchesChecksum == nil)
            #expect(image.upload?.bytesNotCaptured == 8_388_608)
        }
    }

    /// The full recording (when around): every upload's hashes match the checksum Glance stored.
    /// A copy without some data segments: the uploads they belonged to are not verifiable and say
    /// exactly how many bytes are missing (tshark counts the segments' payload).
    @Test func fullRecordingHashesAndALossyCopy() throws {
        guard let directory = TestbedCaptures.fullDirectory("r-veth-lossy") else {
            print("skipped: r-veth-lossy is not in testbed-captures")
            return
        }
        let api = directory.appendingPathComponent("api.pcap").path, db = directory.appendingPathComponent("db.pcap").path
        let result = try CaptureAnalysis(options: .init()).run(paths: [api, db])
        try Self.check(result)
        let checksums = Dictionary(uniqueKeysWithValues: (Self.truth["images"] as? [[String: Any]] ?? []).compactMap { entry -> (String, String)? in
            guard let summary = entry["summary"] as? [String: Any], let id = summary["id"] as? String,
                  let checksum = summary["checksum"] as? String else { return nil }
            return (id, checksum)
        })
        #expect(checksums.count == 3)
        for (id, checksum) in checksums {
            let upload = result.timeline.images.first { $0.id == id }?.upload
            #expect(upload?.md5 == checksum && upload?.matchesChecksum == true, "\(id)")
        }
        #expect(result.tcp.missingBytes == 0)

        // Drop three data segments of the first upload that were sent once (no retransmission holds their bytes).
        let scratch = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        guard let listing = try ExternalTool.runIfInstalled("tshark", ["-r", api, "-Y", "tcp.dstport == 9292 && tcp.len == 1448 && !tcp.analysis.retransmission && !tcp.analysis.out_of_order",
                                                               "-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.seq_raw"]) else {
            print("skipped: tshark not installed")
            return
        }
        let rows = listing.output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }.filter { $0.count == 3 }
        let stream = try #require(rows.dropFirst(1000).first?[1])
        // Only sequence numbers that appear once in the whole stream (no retransmitted copy
        // would bring their bytes back; spurious retransmissions are frequent here).
        guard let all = try ExternalTool.runIfInstalled("tshark", ["-r", api, "-Y", "tcp.stream == \(stream) && tcp.len > 0", "-T", "fields", "-e", "tcp.seq_raw"]) else { return }
        let counts = Dictionary(all.output.split(separator: "\n").map { (String($0), 1) }, uniquingKeysWith: +)
        let candidates = rows.filter { $0[1] == stream && counts[$0[2]] == 1 }
        #expect(candidates.count > 100)
        guard candidates.count > 100 else { return }
        let chosen = [candidates[candidates.count / 4], candidates[candidates.count / 2], candidates[3 * candidates.count / 4]]
        let lossy = scratch.appendingPathComponent("lossy.pcap").path
        let run = try ExternalTool.runIfInstalled("editcap", ["-F", "pcap", api, lossy] + chosen.map { $0[0] })
        #expect(run?.status == 0)
        let damaged = try CaptureAnalysis(options: .init()).run(paths: [lossy, db])
        #expect(damaged.tcp.missingBytes == 3 * 1448)
        let hit = damaged.timeline.images.filter { $0.upload?.complete == false }
        #expect(hit.count == 1)
        #expect(hit.first?.upload?.matchesChecksum == nil)
        let request = try #require(hit.first?.upload?.http)
        #expect(damaged.http[request].notes.contains("\(3 * 1448) bytes missing from the request body in 3 gaps"), "\(damaged.http[request].notes)")
        for image in damaged.timeline.images where image.upload != nil && image.id != hit.first?.id {
            #expect(image.upload?.matchesChecksum == true)
        }
    }
}
