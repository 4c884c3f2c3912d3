import Foundation

/// Where two JSON documents differ, as paths (`/http/7/notes`), for tests that allow some
/// differences and no others.
enum JSONDifference {
    /// The paths at which `a` and `b` differ; arrays of different lengths differ at their own path.
    static func paths(_ a: Any, _ b: Any, at path: String = "") -> [String] {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            return Set(x.keys).union(y.keys).sorted().flatMap { key -> [String] in
                guard let p = x[key], let q = y[key] else { return ["\(path)/\(key)"] }
                return paths(p, q, at: "\(path)/\(key)")
            }
        case let (x as [Any], y as [Any]):
            guard x.count == y.count else { return [path] }
            return zip(x, y).enumerated().flatMap { paths($1.0, $1.1, at: "\(path)/\($0)") }
        default:
            return (a as? NSObject) == (b as? NSObject) ? [] : [path]
        }
    }

    static func object(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// `path` with array indices replaced by `*` (`/http/*/notes`), to match allowed patterns.
    static func pattern(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.allSatisfy(\.isNumber) && !$0.isEmpty ? "*" : String($0) }.joined(separator: "/")
    }
}
