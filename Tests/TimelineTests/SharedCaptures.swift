import Testing

/// The real captures in `../shared/captures` (paths: `ProjectPaths`, truth: `FixtureFile.sharedTruth`).
enum SharedCaptures {
    /// Why suites that read the shared captures are skipped on a checkout without them.
    static let missing: Comment = "../shared/captures is not next to this checkout"
}
