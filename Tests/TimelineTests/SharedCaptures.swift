import Foundation
import TestSupport
import Testing

/// The truth files of the real captures in `../shared/captures` (paths: `ProjectPaths`).
enum SharedCaptures {
    /// Why suites that read the shared captures are skipped on a checkout without them.
    static let missing: Comment = "../shared/captures is not next to this checkout"

    static func truth(_ scenario: String) throws -> [String: Any] {
        let data = try Data(contentsOf: ProjectPaths.sharedCaptures.appendingPathComponent("\(scenario)/truth.json"))
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}
