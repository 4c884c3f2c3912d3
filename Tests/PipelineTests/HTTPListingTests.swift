import Analysis
import Foundation
@testable import Reports
import TestSupport
import Testing
import Timeline

/// `glancetrace http` on the real captures: an upload's line carries the MD5 and SHA-512 of the
/// bytes on the wire, which must equal what Glance itself stored (`openstack image show` in the
/// truth file), in both output formats.
@Suite(.enabled(if: ProjectPaths.sharedCapturesAvailable, "../shared/captures is not next to this checkout"))
struct HTTPListingTests {
    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func uploadLinesCarryTheDigestsGlanceStored(_ scenario: String) throws {
        let truthURL = URL(fileURLWithPath: ProjectPaths.sharedCapture(scenario)).deletingLastPathComponent()
            .appendingPathComponent("truth.json")
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: truthURL)) as? [String: Any])
        var stored: [String: (md5: String, sha512: String)] = [:]
        for entry in truth["images"] as? [[String: Any]] ?? [] {
            let summary = entry["summary"] as? [String: Any] ?? [:]
            if let id = summary["id"] as? String, let md5 = summary["checksum"] as? String,
               let sha512 = summary["os_hash_value"] as? String {
                stored[id] = (md5, sha512)
            }
        }
        let result = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.sharedCapture(scenario)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(AnalysisJSON.http(result).serialized().utf8)) as? [[String: Any]])
        let lines = ExchangeListText.http(result).split(separator: "\n")
        var checked = 0
        for (index, exchange) in json.enumerated() {
            let path = exchange["path"] as? String ?? ""
            guard exchange["method"] as? String == "PUT", path.hasSuffix("/file"), exchange["complete"] as? Bool == true,
                  let id = exchange["image_id"] as? String, let digests = stored[id] else {
                #expect(exchange["upload_md5"] is NSNull, "\(path)")
                continue
            }
            #expect(exchange["upload_md5"] as? String == digests.md5, "\(path)")
            #expect(exchange["upload_sha512"] as? String == digests.sha512, "\(path)")
            #expect(lines[index].contains("  upload md5 \(digests.md5) sha512 \(digests.sha512)"), "\(lines[index])")
            checked += 1
        }
        #expect(checked >= 1, "no complete upload in \(scenario)")
    }
}
