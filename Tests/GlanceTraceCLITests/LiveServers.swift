import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A scratch MariaDB on 127.0.0.1 (its own datadir, socket and port), stopped by `stop()`.
final class MariaDBServer {
    let port: UInt16
    private let server: Command

    struct StartFailure: Error, CustomStringConvertible { var description: String }

    init(in directory: String, port: UInt16) throws {
        guard let mariadbd = LiveEnvironment.mariadbd, let installDB = LiveEnvironment.installDB else {
            throw StartFailure(description: "mariadbd not installed")
        }
        self.port = port
        let datadir = directory + "/db"
        let install = try Command.run(installDB, ["--user=root", "--datadir=\(datadir)", "--auth-root-authentication-method=normal",
                                                  "--skip-test-db"], timeout: 60, in: directory)
        guard install.status == 0 else { throw StartFailure(description: "mariadb-install-db failed: \(install.stderr)") }
        server = try Command(mariadbd, ["--no-defaults", "--user=root", "--datadir=\(datadir)", "--socket=\(directory)/mysql.sock",
                                        "--port=\(port)", "--bind-address=127.0.0.1", "--skip-log-bin", "--skip-name-resolve",
                                        "--innodb-buffer-pool-size=16M", "--pid-file=\(directory)/mysql.pid"],
                             in: directory, name: "mariadbd")
        guard server.waitUntil(timeout: 30, { _ in LiveEnvironment.accepts(port) }) else {
            server.stop()
            throw StartFailure(description: "mariadbd did not listen on \(port): \(server.stderr.suffix(500))")
        }
    }

    func stop() { server.stop() }
}

/// `Fixtures/live/glance_stub.py`: a Glance-like API on 127.0.0.1, writing MariaDB when given one.
final class GlanceStub {
    let port: UInt16
    private let server: Command

    init(in directory: String, port: UInt16, databasePort: UInt16? = nil) throws {
        guard let python = databasePort == nil ? LiveEnvironment.python : LiveEnvironment.pythonWithPyMySQL else {
            throw MariaDBServer.StartFailure(description: "no python3")
        }
        self.port = port
        var arguments = [LiveEnvironment.fixtures + "/glance_stub.py", "--port", String(port)]
        if let databasePort { arguments += ["--db-port", String(databasePort)] }
        server = try Command(python, arguments, in: directory, name: "glance-stub")
        guard server.waitUntil(timeout: 20, { $0.stdout.contains("ready") }) else {
            server.stop()
            throw MariaDBServer.StartFailure(description: "glance_stub.py did not start: \(server.stderr.suffix(800))")
        }
    }

    func stop() { server.stop() }

    /// What `glance_client.py` did: the images it created and each call with its status.
    struct ClientRun: Decodable {
        struct Image: Decodable {
            var id: String
            var name: String
            var size: Int
            var md5: String
        }
        var images: [Image]
        var calls: [[JSONScalar]]
    }

    /// Runs `Fixtures/live/glance_client.py` against this server.
    func drive(name: String, size: Int = 65536, images: Int = 1, seconds: Double = 0, pause: Double = 0,
               in directory: String) throws -> ClientRun {
        guard let python = LiveEnvironment.python else { throw MariaDBServer.StartFailure(description: "no python3") }
        let result = try Command.run(python, [LiveEnvironment.fixtures + "/glance_client.py", "--port", String(port), "--name", name,
                                              "--size", String(size), "--images", String(images), "--seconds", String(seconds),
                                              "--pause", String(pause)], timeout: 60, in: directory)
        guard result.status == 0 else { throw MariaDBServer.StartFailure(description: "glance_client.py failed: \(result.stderr)") }
        return try JSONDecoder().decode(ClientRun.self, from: Data(result.stdout.utf8))
    }

    /// Starts the client in the background (traffic while a capture is interrupted).
    func driveInBackground(name: String, size: Int, seconds: Double, in directory: String) throws -> Command {
        guard let python = LiveEnvironment.python else { throw MariaDBServer.StartFailure(description: "no python3") }
        return try Command(python, [LiveEnvironment.fixtures + "/glance_client.py", "--port", String(port), "--name", name,
                                    "--size", String(size), "--seconds", String(seconds)], in: directory, name: "client-\(name)")
    }
}

/// A string or integer inside a JSON array (the client's `[method, path, status]`).
enum JSONScalar: Decodable, Equatable {
    case string(String)
    case int(Int)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let i = try? container.decode(Int.self) { self = .int(i) } else { self = .string(try container.decode(String.self)) }
    }

    var text: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        }
    }
}
