import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the live-capture tests need from the machine, found once: the built binary, root,
/// MariaDB, Python with PyMySQL, capinfos. Each test is enabled only when its needs are met,
/// with a message saying what is missing (so a machine without them still passes).
enum LiveEnvironment {
    static let packageRoot = ProjectPaths.root.path

    static let fixtures = packageRoot + "/Fixtures/live"

    /// The `glancetrace` binary of this build, built here when missing or older than the sources.
    ///
    /// `swift test` compiles the executable's module but does not link the `glancetrace`
    /// product, so after a source change the binary next to the tests is stale or absent. The
    /// running `swift test` holds the build directory's lock while tests run (nothing else builds
    /// meanwhile), hence `--ignore-lock`. The first run on a fresh checkout pays one link (and the
    /// compile of the executable's module), later runs nothing.
    static let binary: String? = {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        var buildDir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while buildDir.path.contains(".xctest") { buildDir = buildDir.deletingLastPathComponent() }
        let candidate = buildDir.path + "/glancetrace"
        if isFresh(candidate) { return candidate }
        guard let swift = tool("swift") else { return nil }
        let scratch = buildDir.deletingLastPathComponent().deletingLastPathComponent().path
        let configuration = buildDir.lastPathComponent == "release" ? "release" : "debug"
        let build = try? Command.run(swift, ["build", "--package-path", packageRoot, "--scratch-path", scratch, "-c", configuration,
                                             "--product", "glancetrace", "--ignore-lock"], timeout: 900)
        guard let build, build.status == 0, FileManager.default.isExecutableFile(atPath: candidate) else {
            print("live tests: could not build glancetrace (\(build?.stderr.suffix(500) ?? "swift not run")); run `swift build --product glancetrace`")
            return nil
        }
        // llbuild skips the link when the objects did not change (a comment edit): mark the
        // binary as checked so the next run does not build again.
        _ = utimes(candidate, nil)
        print("live tests: built \(candidate) in \(Int(build.seconds)) s")
        return candidate
    }()

    /// The binary exists and is newer than every source file and the manifest.
    private static func isFresh(_ path: String) -> Bool {
        let files = FileManager.default
        guard files.isExecutableFile(atPath: path), let built = modified(path) else { return false }
        var newest = modified(packageRoot + "/Package.swift") ?? .distantPast
        if let walker = files.enumerator(atPath: packageRoot + "/Sources") {
            for case let relative as String in walker where relative.hasSuffix(".swift") || relative.hasSuffix(".modulemap")
                || relative.hasSuffix(".c") || relative.hasSuffix(".h") {
                if let date = modified(packageRoot + "/Sources/" + relative), date > newest { newest = date }
            }
        }
        return built >= newest
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    static let isRoot = geteuid() == 0

    /// A program found in PATH or the sbin directories (mariadbd lives in /usr/sbin).
    static func tool(_ name: String) -> String? { ExternalTool.path(name) }

    /// A Python 3 (Debian's first: CI installs python3-pymysql for it).
    static let python: String? = ["/usr/bin/python3", tool("python3")].compactMap { $0 }
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A Python 3 that can `import pymysql`.
    static let pythonWithPyMySQL: String? = ["/usr/bin/python3", tool("python3")].compactMap { $0 }.first {
        FileManager.default.isExecutableFile(atPath: $0)
            && (try? Command.run($0, ["-c", "import pymysql"], timeout: 20).status) == 0
    }

    /// A Python 3 with OpenTelemetry's protobuf definitions (`pip install opentelemetry-proto`),
    /// for the OTLP receiver (Fixtures/otlp/receiver.py).
    static let pythonWithOTLP: String? = (["/usr/bin/python3"] + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        .split(separator: ":").map { "\($0)/python3" }).first {
        FileManager.default.isExecutableFile(atPath: $0)
            && (try? Command.run($0, ["-c", "import opentelemetry.proto.collector.trace.v1.trace_service_pb2"], timeout: 20).status) == 0
    }

    static let mariadbd = tool("mariadbd")
    static let installDB = tool("mariadb-install-db")
    static let capinfos = tool("capinfos")

    static var canCapture: Bool { isRoot && binary != nil && python != nil }
    static var canRunMariaDB: Bool { mariadbd != nil && installDB != nil && pythonWithPyMySQL != nil }

    /// `preferred` when nothing listens there on 127.0.0.1, else a free port the kernel picks.
    static func port(preferring preferred: UInt16) -> UInt16 {
        if bindable(preferred) { return preferred }
        for _ in 0..<20 {
            let candidate = UInt16.random(in: 20000...60000)
            if bindable(candidate) { return candidate }
        }
        return preferred
    }

    private static func bindable(_ port: UInt16) -> Bool { withTCPSocket(to: port) { bind($0, $1, $2) } }

    /// True once something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(_ port: UInt16) -> Bool { withTCPSocket(to: port) { connect($0, $1, $2) } }

    /// `operation` (bind or connect) on a fresh TCP socket with 127.0.0.1:`port`: whether it succeeded.
    private static func withTCPSocket(to port: UInt16,
                                      _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { operation(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A fresh directory under the system temporary directory.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "glancetrace-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
