import CaptureIO
#if canImport(Glibc)
import Glibc
#endif

/// `/dev/null`, opened before the handler is installed (a handler may not open files).
nonisolated(unsafe) private var interruptionNullDescriptor: Int32 = -1
/// Set by the handler; read after the run to say why the input ended.
nonisolated(unsafe) private var interruptionHappened: sig_atomic_t = 0

/// SIGINT and SIGTERM end a piped capture as if it had ended, so the report covers what was read.
///
/// `ssh host tcpdump -w - | glancetrace analyze -` is stopped with Ctrl-C, which reaches both
/// ends of the pipe: without this the report of everything read so far would be lost with the
/// process. The handler only moves `/dev/null` onto standard input (`dup2` is async-signal-safe):
/// the read in progress returns (no `SA_RESTART`), the next one sees the end of the input, and the
/// reader ends there as at the end of any pipe, with a warning when that is inside a record.
/// `SA_RESETHAND` makes a second signal kill the process as usual.
struct InputInterruption {
    private var previous: [(Int32, sigaction)] = []

    /// Installs the handlers when one of `paths` is standard input and that is a pipe, FIFO or
    /// terminal (a redirected file ends by itself).
    init(paths: [String]) {
        guard paths.contains(CaptureInput.standardInput), CaptureInput.isStream(CaptureInput.standardInput) else { return }
        interruptionNullDescriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard interruptionNullDescriptor >= 0 else { return }
        for signo in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in
                interruptionHappened = 1
                _ = dup2(interruptionNullDescriptor, STDIN_FILENO)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)  // 0x80000000: not an Int32 literal
            var old = sigaction()
            sigaction(signo, &action, &old)
            previous.append((signo, old))
        }
    }

    /// True when a signal ended the input.
    var interrupted: Bool { interruptionHappened != 0 }

    /// Puts the previous dispositions back.
    func restore() {
        for (signo, old) in previous {
            var action = old
            sigaction(signo, &action, nil)
        }
    }
}
