import Foundation
import TestSupport

/// Fixtures/otlp/scripted_receiver.py, started on a free port of 127.0.0.1 for one test: its
/// answers are chosen by the request path (`/chunked/v1/traces`, `/retry/...`).
final class ScriptedReceiver {
    let port: Int
    private let server: Command
    private let directory: URL

    struct Failure: Error, CustomStringConvertible { let description: String }

    static var python: String? { ExternalTool.path("python3") }

    init(tls: (certificate: String, key: String)? = nil) throws {
        guard let python = Self.python else { throw Failure(description: "python3 is not installed") }
        directory = try ProjectPaths.temporaryDirectory("receiver")
        var arguments = [ProjectPaths.fixture("otlp/scripted_receiver.py")]
        if let tls { arguments += ["--tls", tls.certificate, tls.key] }
        server = try Command(python, arguments, in: directory.path, name: "receiver")
        guard server.waitUntil(timeout: 20, { $0.stdout.contains("\"port\"") }),
              let line = server.stdout.split(separator: "\n").first,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let port = object["port"] as? Int else {
            server.stop()
            throw Failure(description: "scripted_receiver.py did not start: \(server.stderr.suffix(800))")
        }
        self.port = port
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the receiver saw of each request: method, target, headers (lowercased names), body length.
    var requests: [[String: Any]] {
        server.stdout.split(separator: "\n").dropFirst().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func url(_ mode: String, scheme: String = "http") -> URL {
        URL(string: "\(scheme)://127.0.0.1:\(port)/\(mode)/v1/traces")!
    }
}
