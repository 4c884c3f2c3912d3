import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process whose output goes to files (no pipe to drain, nothing lost if it dies),
/// so a test can watch it while it runs, signal it, and read everything after.
///
/// Started with `posix_spawn`, an empty signal mask and default signal actions, as from a
/// shell: the test runner's threads block signals, and Foundation's `Process` passes that mask
/// on, so SIGINT/SIGTERM sent to a helper would stay pending forever.
public final class Command {
    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Seconds from start (or from the call, for `wait`) to exit.
        public var seconds: Double
        /// Whether it was still running at the timeout (and was stopped).
        public var timedOut = false
    }

    public struct SpawnFailure: Error, CustomStringConvertible { public var description: String }

    public let pid: pid_t
    public let stdoutPath: String
    /// The same file as `stdoutPath` when the two streams were merged.
    public let stderrPath: String
    private let started = Date()
    private var exitStatus: Int32?

    /// Output goes to `<directory>/<name>.stdout` and `.stderr`, or both to `.log` with
    /// `mergingOutput`. `stdin`: the file (or FIFO) standard input reads; /dev/null by default.
    /// `environment`: the child's whole environment; ours by default.
    public init(_ path: String, _ arguments: [String], in directory: String, name: String, stdin: String = "/dev/null",
                mergingOutput: Bool = false, environment: [String: String]? = nil) throws {
        stdoutPath = directory + (mergingOutput ? "/\(name).log" : "/\(name).stdout")
        stderrPath = mergingOutput ? stdoutPath : directory + "/\(name).stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if mergingOutput {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp ?? [] { free(pointer) }
        }
        var child: pid_t = 0
        let status = envp.map { posix_spawn(&child, path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&child, path, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnFailure(description: "\(path): \(String(cString: strerror(status)))") }
        pid = child
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = reap(blocking: true)
        }
    }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    public var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit status (128 + signal when killed), once the child is gone.
    private func reap(blocking: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        guard result == pid else { return result < 0 ? -1 : nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return exitStatus
    }

    /// Waits until `condition` holds (polled every 20 ms), the process exits, or `timeout` passes.
    @discardableResult
    public func waitUntil(timeout: Double, _ condition: (Command) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            if !isRunning { return condition(self) }
            usleep(20_000)
        }
        return condition(self)
    }

    public func signal(_ signo: Int32) {
        if isRunning { kill(pid, signo) }
    }

    /// Waits for exit; after `timeout` the process is killed and the status is -1. With a
    /// `grace`, it gets SIGTERM first and that long to end on its own (a recorder that must
    /// stop its tcpdump) before SIGKILL.
    public func wait(timeout: Double, grace: Double? = nil) -> Result {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(10_000) }
        if isRunning, let grace {
            kill(pid, SIGTERM)
            let end = Date().addingTimeInterval(grace)
            while isRunning && Date() < end { usleep(100_000) }
        }
        if isRunning {
            kill(pid, SIGKILL)
            _ = reap(blocking: true)
            return Result(status: -1, stdout: stdout, stderr: stderr, seconds: Date().timeIntervalSince(start), timedOut: true)
        }
        if Date() >= deadline {
            return Result(status: exitStatus ?? -1, stdout: stdout, stderr: stderr, seconds: Date().timeIntervalSince(start), timedOut: true)
        }
        return Result(status: exitStatus ?? -1, stdout: stdout, stderr: stderr, seconds: Date().timeIntervalSince(start))
    }

    /// Stops a helper (server) politely, then for sure.
    public func stop() {
        signal(SIGTERM)
        _ = wait(timeout: 5)
    }

    /// Runs to completion.
    public static func run(_ path: String, _ arguments: [String], timeout: Double, in directory: String? = nil) throws -> Result {
        let dir = try directory ?? ProjectPaths.temporaryDirectory("run").path
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let command = try Command(path, arguments, in: dir, name: URL(fileURLWithPath: path).lastPathComponent + "-\(UInt32.random(in: 0...UInt32.max))")
        var result = command.wait(timeout: timeout)
        result.seconds = Date().timeIntervalSince(command.started)
        return result
    }
}
