import Foundation
import TestSupport
import Testing

/// The truth files of the real captures in `../shared/captures` (paths: `ProjectPaths`).
enum SharedCaptures {
    static let missing: Comment = "../shared/captures is not next to this checkout"
    static func truth(_ scenario: String) throws -> [String: Any] {
        try FixtureFile.jsonObject(in: ProjectPaths.sharedCaptures.appendingPathComponent(scenario), named: "truth.json")
    }
}
