import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

@main
struct GlanceTrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glancetrace",
        abstract: "Reconstruct what Keystone, Glance and MariaDB said to each other from a packet capture.",
        discussion: """
            Every reading command takes pcap or pcapng files (gzip-compressed too), or - for \
            standard input; several files are merged by timestamp. 'glancetrace help <command>' \
            documents each command's options.

            Exit status: 0 success (warnings allowed), 1 failure (one line naming the file or \
            interface and the problem), 2 usage error.
            """,
        version: GlanceTraceVersion.heading,
        subcommands: [AnalyzeCommand.self, InfoCommand.self, HTTPCommand.self, SQLCommand.self, SplitCommand.self, CaptureCommand.self]
    )

    /// glibc's `mallopt(M_MXFAST, 0)`; Swift's Glibc module does not import `<malloc.h>`, so the
    /// function is looked up by name (absent on another libc: nothing happens).
    static func disableMallocFastBins() {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mxfast: Int32 = 1  // M_MXFAST in <malloc.h>
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mxfast, 0)
    }

    /// DESIGN.md's exit statuses: 0 success, 1 failure (one clear line), 2 usage error.
    /// ArgumentParser's own default for usage errors is 64, hence this entry point.
    static func main() {
        // No glibc fastbins: a request for a large chunk consolidates them, and a connection
        // flood's per-connection churn paid that on every connection (6% of `analyze`'s profile
        // on a 300,000-connection flood; 4% less CPU without them, no change on normal captures;
        // small blocks still come from the per-thread cache).
        disableMallocFastBins()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            writeStandardError("glancetrace: \(failure.message)\n")
            Glibc.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                let message = fullMessage(for: error)
                // `--version` (ArgumentParser prints the configuration's version): the libpcap
                // line is added only now, so that no other command loads libpcap to build the
                // configuration.
                print(message == GlanceTraceVersion.heading ? GlanceTraceVersion.description : message)
                Glibc.exit(0)
            }
            if code == .validationFailure {
                writeStandardError(fullMessage(for: error) + "\n")
                Glibc.exit(2)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { writeStandardError("glancetrace: \(message)\n") }
            Glibc.exit(code.rawValue == 0 ? 0 : 1)
        }
        Glibc.exit(0)
    }
}

/// A failure the user should read as one line (file unreadable, not a capture, ...): exit 1.
struct CommandFailure: Error {
    var message: String
}

func writeStandardError(_ text: String) {
    _ = writeAll(text, to: STDERR_FILENO)
}

/// Writes all of `text` to a file descriptor; false on an I/O error (e.g. disk full, closed pipe).
func writeAll(_ text: String, to descriptor: Int32) -> Bool {
    var copy = text
    return copy.withUTF8 { writeAll(UnsafeRawBufferPointer($0), to: descriptor) }
}

/// Writes all of `bytes` to a file descriptor (retrying interrupted writes); false on an I/O error.
func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var offset = 0
    while offset < bytes.count {
        let n = Glibc.write(descriptor, base + offset, bytes.count &- offset)
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset &+= n
    }
    return true
}
