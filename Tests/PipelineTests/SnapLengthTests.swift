import Analysis
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// Bytes cut by a snap length (`split --slim`, `tcpdump -s`, `editcap -s`) were on the wire: they
/// are counted apart (`bytes_not_captured`), raise no loss anomaly, and leave the timeline of the
/// original capture as it was, but for the hashes that cannot be verified.
@Suite(.enabled(if: ProjectPaths.sharedCapturesAvailable, "../shared/captures is not next to this checkout"))
struct SnapLengthTests {
    static func json(_ path: String) throws -> [String: Any] {
        let result = try CaptureAnalysis(options: .init()).run(paths: [path])
        return try JSONDifference.object(AnalysisJSON.document(result).serialized())
    }

    static func tcp(_ document: [String: Any], _ member: String) -> Int? {
        (document["tcp"] as? [String: Any])?[member] as? Int
    }

    /// The shipped slim fixture against the original capture it was cut from: the same document
    /// but for the file, the upload's hashes and the members that say its body was not captured.
    @Test func shippedSlimFixtureTellsTheOriginalsStory() throws {
        let original = try Self.json(ProjectPaths.sharedCapture("a-seed"))
        let slim = try Self.json(ProjectPaths.fixture("captures/a-seed-slim.pcap"))
        #expect((slim["anomalies"] as? [Any])?.isEmpty == true)
        #expect(Self.tcp(slim, "missing_bytes") == 0)
        #expect(Self.tcp(slim, "gaps") == 0)
        #expect(Self.tcp(slim, "bytes_not_captured") == 8_388_608)
        // The oracle: the upload's Content-Length, as the original capture carries it whole.
        let upload = try #require((original["images"] as? [[String: Any]])?.first?["upload"] as? [String: Any])
        #expect(upload["bytes_on_wire"] as? Int == 8_388_608)
        #expect(upload["matches_checksum"] as? Bool == true)
        let allowed: Set<String> = [
            "/captures/*/path", "/captures/*/bytes",
            "/http/*/bytes_not_captured", "/http/*/notes", "/http/*/upload_md5", "/http/*/upload_sha512",
            "/images/*/upload/bytes_not_captured", "/images/*/upload/md5", "/images/*/upload/sha512",
            "/images/*/upload/matches_checksum", "/tcp/bytes_not_captured",
        ]
        let differences = JSONDifference.paths(original, slim)
        #expect(differences.filter { !allowed.contains(JSONDifference.pattern($0)) }.isEmpty, "\(differences)")
        let slimUpload = try #require((slim["images"] as? [[String: Any]])?.first?["upload"] as? [String: Any])
        #expect(slimUpload["bytes_not_captured"] as? Int == 8_388_608)
        #expect(slimUpload["complete"] as? Bool == true)
        #expect(slimUpload["md5"] is NSNull && slimUpload["matches_checksum"] is NSNull)
        let put = try #require((slim["http"] as? [[String: Any]])?.first { $0["method"] as? String == "PUT" })
        #expect(put["notes"] as? [String] == ["request body not captured (snap length): 8388608 bytes; hashes not verifiable"])
    }

    /// `editcap -s 200` copies: every packet keeps 134 bytes of TCP payload at most, so heads,
    /// JSON bodies and long statements are cut too. No loss is reported; the bytes cut equal
    /// tshark's count (TCP length minus captured payload, first transmissions); every request
    /// is found with its method, path, status and times; every statement but the handshakes'.
    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func editcapSnapLengthCopies(_ scenario: String) throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cut = directory.appendingPathComponent("s200.pcap").path
        guard let editcap = try ExternalTool.runIfInstalled("editcap", ["-s", "200", ProjectPaths.sharedCapture(scenario), cut]),
              editcap.status == 0,
              let tshark = try ExternalTool.runIfInstalled("tshark", ["-r", cut, "-Y", "tcp.len > 0 && !tcp.analysis.retransmission",
                                                             "-T", "fields", "-e", "frame.len", "-e", "frame.cap_len", "-e", "tcp.len"])
        else {
            print("skipped: editcap or tshark not installed")
            return
        }
        var oracle = 0
        for line in tshark.output.split(separator: "\n") {
            let fields = line.split(separator: "\t").compactMap { Int($0) }
            guard fields.count == 3 else { continue }
            oracle += min(fields[2], fields[0] - fields[1])
        }
        #expect(oracle > 0)
        let full = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.sharedCapture(scenario)])
        let result = try CaptureAnalysis(options: .init()).run(paths: [cut])
        #expect(result.tcp.bytesNotCaptured == oracle)
        #expect(result.tcp.missingBytes == 0 && result.tcp.gaps == 0)
        #expect(result.timeline.anomalies.isEmpty, "\(result.timeline.anomalies)")
        func requests(_ r: AnalysisResult) -> [String] {
            r.http.map { "\($0.time) \($0.end) \($0.method) \($0.path) \($0.status ?? 0) \($0.operation)" }
        }
        #expect(requests(result) == requests(full))
        // Every request head is longer than 134 bytes: each says so.
        #expect(result.http.allSatisfy { fact in fact.notes.contains { $0.hasPrefix("request head cut by the snap length") } })
        let statements = full.sql.filter { $0.command != .connect }.map { "\($0.time) \($0.command)" }
        #expect(result.sql.map { "\($0.time) \($0.command)" } == statements)
    }
}
