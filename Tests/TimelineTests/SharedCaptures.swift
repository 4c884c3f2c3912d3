import Foundation
import TestSupport
import Testing

/// The truth files of the real captures in `../shared/captures` (paths: `ProjectPaths`).
enum SharedCaptures {
    /// Why suites that read the shared captures are skipped on a checkout without them.
    static let missing: Comment = "../shared/captures is not next to this checkout"

    static func truth(_ scenario: String) throws -> [String: Any] {
        try FixtureFile.jsonObject(in: ProjectPaths.sharedCaptures.appendingPathComponent(scenario), named: "truth.json")
    }
}
