import CaptureIO
#if canImport(Glibc)
import Glibc
#endif

/// The wake-up descriptor of the capture being run, for the signal handler (a C function
/// pointer cannot capture context). Written before the handler is installed.
nonisolated(unsafe) private var signalWakeDescriptor: Int32 = -1

/// SIGINT and SIGTERM stop `glancetrace capture` cleanly: the handler only writes one byte to the
/// capture's wake-up pipe (async-signal-safe), which makes the waiting read return `.stopped`
/// at once; the loop then flushes and closes the file as on any other stop.
///
/// `SA_RESETHAND` puts the default action back after the first signal, so a second Ctrl-C kills
/// a capture that does not stop. SIGPIPE is ignored: a closed stdout is noticed by the write
/// and ends the capture cleanly instead of killing it with the file half flushed.
struct StopSignals {
    private var previous: [(Int32, sigaction)] = []

    init(waking capture: LiveCapture) {
        signalWakeDescriptor = capture.wakeDescriptor
        for signo in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in
                var byte: UInt8 = 1
                _ = write(signalWakeDescriptor, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)  // 0x80000000: not an Int32 literal
            var old = sigaction()
            sigaction(signo, &action, &old)
            previous.append((signo, old))
        }
        // A blocked signal stays pending forever: the mask is inherited through exec, and some
        // parents (test runners, daemons' helpers) start us with SIGINT/SIGTERM blocked.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &mask, nil)
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        var old = sigaction()
        sigaction(SIGPIPE, &ignore, &old)
        previous.append((SIGPIPE, old))
    }

    /// Puts the previous dispositions back (the capture's descriptors are about to close).
    func restore() {
        for (signo, old) in previous {
            var action = old
            sigaction(signo, &action, nil)
        }
        signalWakeDescriptor = -1
    }
}
