import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs the `glancetrace` binary for the live tests.
enum GlanceTraceBinary {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func binary() throws -> String {
        guard let binary = LiveEnvironment.binary else { throw Failure(description: LiveTests.noBinary) }
        return binary
    }

    /// `--port N` for each port that is not a default one (the tests fall back to free ports
    /// when 3306 or 9292 are taken).
    static func portOptions(_ ports: [UInt16]) -> [String] {
        ports.filter { $0 != 3306 && $0 != 9292 }.flatMap { ["--port", String($0)] }
    }

    /// Starts `glancetrace capture -i lo ARGS` and waits until it is capturing.
    static func start(_ arguments: [String], in directory: String, name: String = "capture") throws -> Command {
        let command = try Command(try binary(), ["capture", "-i", "lo"] + arguments, in: directory, name: name)
        guard command.waitUntil(timeout: 20, { $0.stderr.contains("capturing on") }) else {
            let result = command.wait(timeout: 5)
            throw Failure(description: "capture did not start (status \(result.status)): \(result.stderr)")
        }
        return command
    }

    /// The "N packets captured" of the statistics line.
    static func packetsCaptured(_ stderr: String) -> Int? {
        guard let range = stderr.range(of: " packets captured") else { return nil }
        let prefix = stderr[..<range.lowerBound]
        let digits = prefix.reversed().prefix { $0.isNumber }
        return Int(String(digits.reversed()))
    }

    /// `glancetrace analyze --format json FILE`: the object, after checking exit 0 and a
    /// silent stderr (no reader warning).
    static func analyze(_ file: String, ports: [String]) throws -> [String: Any] {
        let result = try Command.run(try binary(), ["analyze", "--format", "json", "--quiet", file] + ports, timeout: 60)
        guard result.status == 0, result.stderr.isEmpty else {
            throw Failure(description: "analyze \(file): status \(result.status), stderr \(result.stderr)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw Failure(description: "analyze printed no JSON object")
        }
        return object
    }

    /// `glancetrace info --format json FILE`: the one capture's summary.
    static func info(_ file: String) throws -> [String: Any] {
        let result = try Command.run(try binary(), ["info", "--format", "json", file], timeout: 60)
        guard result.status == 0,
              let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]],
              let first = array.first else {
            throw Failure(description: "info \(file): status \(result.status), stderr \(result.stderr)")
        }
        return first
    }

    /// The chosen members of each object, as comparable text.
    static func project(_ objects: [[String: Any]], _ keys: [String]) -> [String] {
        objects.map { object in
            keys.map { key in
                guard let value = object[key] else { return "\(key)=<absent>" }
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                    return "\(key)=" + String(decoding: data, as: UTF8.self)
                }
                return "\(key)=\(value)"
            }.joined(separator: " ")
        }
    }
}
