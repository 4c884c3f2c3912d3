import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with every signal unblocked and SIGTERM/SIGINT/SIGPIPE at their
/// default action, its output in a file, awaited with a deadline.
///
/// Foundation's `Process` passes on the spawning thread's signal mask, and the test runner's
/// threads block SIGTERM: the recorder's `kill "$TCPDUMP"` then never arrived and the run hung.
/// `posix_spawn` with `POSIX_SPAWN_SETSIGMASK` gives the child a clean mask.
struct ChildProcess {
    let pid: pid_t

    /// Starts `executable` with `arguments` and `environment`; stdin is /dev/null, stdout and
    /// stderr go to `outputPath`. Nil when it cannot start.
    init?(_ executable: String, _ arguments: [String], environment: [String: String], outputPath: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        guard posix_spawn(&child, executable, &actions, &attributes, argv, envp) == 0 else { return nil }
        pid = child
    }

    /// The exit status (128 + signal when killed by one); after `seconds` the child gets
    /// SIGTERM, then SIGKILL 30 s later, and the result is nil.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = reap() { return status }
            usleep(100_000)
        }
        kill(pid, SIGTERM)
        let grace = Date().addingTimeInterval(30)
        while Date() < grace {
            if reap() != nil { return nil }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        return nil
    }

    /// The status if the child has ended (waitpid with WNOHANG), decoded by hand since the
    /// W* macros do not import into Swift.
    private func reap() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 { return -1 }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
