import CZlib
import Foundation

/// Reads a fixture that may be gzip-compressed (`truth.json.gz`): zlib's gz reader passes a
/// plain file through unchanged, so one call serves both.
enum FixtureFile {
    static func data(_ path: String) throws -> Data {
        guard let file = gzopen(path, "rb") else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { gzclose(file) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path]) }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<Int(n)])
        }
        return data
    }

    /// The JSON object in `directory/name` or, failing that, `directory/name.gz`.
    static func jsonObject(in directory: URL, named name: String) throws -> [String: Any] {
        let plain = directory.appendingPathComponent(name).path
        let path = FileManager.default.fileExists(atPath: plain) ? plain : plain + ".gz"
        return (try JSONSerialization.jsonObject(with: data(path))) as? [String: Any] ?? [:]
    }
}
