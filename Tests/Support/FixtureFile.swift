import Foundation

/// Reads a fixture that may be gzip-compressed (`truth.json.gz`), with the system's gzip.
public enum FixtureFile {
    public static func data(_ path: String) throws -> Data {
        guard path.hasSuffix(".gz") else { return try Data(contentsOf: URL(fileURLWithPath: path)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec gzip -dc \"$0\"", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path]) }
        return data
    }

    /// The JSON object in `directory/name` or, failing that, `directory/name.gz`.
    public static func jsonObject(in directory: URL, named name: String) throws -> [String: Any] {
        let plain = directory.appendingPathComponent(name).path
        let path = FileManager.default.fileExists(atPath: plain) ? plain : plain + ".gz"
        return (try JSONSerialization.jsonObject(with: data(path))) as? [String: Any] ?? [:]
    }

    /// The truth file of a shared real capture (`ProjectPaths.sharedCaptures/<scenario>/truth.json`).
    public static func sharedTruth(_ scenario: String) throws -> [String: Any] {
        try jsonObject(in: ProjectPaths.sharedCaptures.appendingPathComponent(scenario), named: "truth.json")
    }
}
