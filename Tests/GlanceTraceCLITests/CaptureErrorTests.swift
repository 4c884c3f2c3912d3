import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension LiveTests {
    /// Each failure of `capture` is one clear line naming the interface or file, and exit 1
    /// (usage errors exit 2).
    @Suite struct CaptureErrorTests {
        /// The `glancetrace:` lines other than the banner and the statistics.
        private func errorLines(_ stderr: String) -> [String] {
            stderr.split(separator: "\n").map(String.init).filter {
                !$0.contains("capturing on") && !$0.contains("packets captured") && !$0.contains("glancetrace: wrote ")
            }
        }

        @Test("no such interface: lists the interfaces that exist",
              .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
        func noSuchInterface() throws {
            let run = try Command.run(try GlanceTraceBinary.binary(), ["capture", "-i", "nosuch0", "--duration", "1"], timeout: 20)
            #expect(run.status == 1)
            #expect(errorLines(run.stderr).count == 1, "\(run.stderr)")
            // Without root, pcap may say "permission" before it looks for the device.
            if LiveEnvironment.isRoot {
                #expect(run.stderr.hasPrefix("glancetrace: nosuch0: no such interface; interfaces that exist: "), "\(run.stderr)")
                #expect(run.stderr.contains("lo"))
            }
            #expect(run.stdout.isEmpty)
        }

        @Test("a bad filter names the filter and libpcap's complaint",
              .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
              .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
        func badFilter() throws {
            let run = try Command.run(try GlanceTraceBinary.binary(), ["capture", "-i", "lo", "--filter", "tcp port", "--duration", "1"], timeout: 20)
            #expect(run.status == 1)
            #expect(errorLines(run.stderr) == ["glancetrace: lo: bad capture filter 'tcp port': can't parse filter expression: syntax error"],
                    "\(run.stderr)")
        }

        @Test("-w into a missing directory: one line naming the file", arguments: ["pcap", "pcapng"])
        func cannotCreate(format: String) throws {
            guard LiveEnvironment.isRoot, LiveEnvironment.binary != nil else { return }
            let run = try Command.run(try GlanceTraceBinary.binary(), ["capture", "-i", "lo", "-w", "/nonexistent-dir/x.\(format)", "-F", format,
                                                                       "--duration", "1"], timeout: 20)
            #expect(run.status == 1)
            #expect(errorLines(run.stderr) == ["glancetrace: /nonexistent-dir/x.\(format): cannot create the \(format == "pcap" ? "capture" : "output") file: No such file or directory"],
                    "\(run.stderr)")
        }

        @Test("usage errors exit 2", .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)),
              arguments: [["-W", "2", "-w", "/tmp/x.pcap"], ["-C", "1"], ["--duration", "0"], ["-F", "erf", "-w", "/tmp/x"]])
        func usage(arguments: [String]) throws {
            let run = try Command.run(try GlanceTraceBinary.binary(), ["capture", "-i", "lo"] + arguments, timeout: 20)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
        }

        @Test("without root or capabilities: says which are needed",
              .enabled(if: LiveEnvironment.isRoot, "dropping privileges needs root"),
              .enabled(if: LiveEnvironment.tool("setpriv") != nil, "setpriv (util-linux) not installed"),
              .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
        func noPermission() throws {
            let setpriv = try #require(LiveEnvironment.tool("setpriv"))
            // A copy in a directory nobody can enter (the checkout may live in a private home).
            let dir = try LiveEnvironment.temporaryDirectory("nobody")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            chmod(dir, 0o755)
            let binary = dir + "/glancetrace"
            try FileManager.default.copyItem(atPath: try GlanceTraceBinary.binary(), toPath: binary)
            chmod(binary, 0o755)
            let run = try Command.run(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                                                binary, "capture", "-i", "lo", "--duration", "1"], timeout: 20)
            if run.status == 126 || run.status == 127 || run.stderr.contains("setpriv:") || run.stderr.contains("error while loading") {
                // The Swift runtime is not readable for nobody (a toolchain in a private home): nothing to test.
                print("noPermission: skipped, nobody cannot run glancetrace: \(run.stderr)")
                return
            }
            #expect(run.status == 1)
            let lines = errorLines(run.stderr)
            #expect(lines.count == 1, "\(run.stderr)")
            #expect(lines.first?.hasPrefix("glancetrace: lo: no permission to capture") == true, "\(run.stderr)")
            #expect(run.stderr.contains("root") && run.stderr.contains("CAP_NET_RAW") && run.stderr.contains("CAP_NET_ADMIN"))
        }

        @Test("disk full on -w: one line naming the file, exit 1 (pcap and pcapng)",
              .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
              .enabled(if: LiveEnvironment.canCapture, .init(rawValue: LiveTests.noBinary)))
        func diskFull() throws {
            let dir = try LiveEnvironment.temporaryDirectory("full")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let mountPoint = dir + "/tiny"
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            guard let mount = LiveEnvironment.tool("mount"), let umount = LiveEnvironment.tool("umount"),
                  try Command.run(mount, ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], timeout: 20).status == 0 else {
                print("diskFull: skipped, cannot mount a tmpfs here (not permitted in this container)")
                return
            }
            defer { _ = try? Command.run(umount, [mountPoint], timeout: 20) }
            let port = LiveEnvironment.port(preferring: 9292)
            let glance = try GlanceStub(in: dir, port: port)
            defer { glance.stop() }

            for format in ["pcap", "pcapng"] {
                let file = mountPoint + "/full.\(format)"
                let capture = try GlanceTraceBinary.start(["-w", file, "-F", format, "--filter", "tcp port \(port)"]
                                                          + GlanceTraceBinary.portOptions([port]), in: dir, name: "full-\(format)")
                _ = try? glance.drive(name: "fill-\(format)", size: 600_000, in: dir)
                let run = capture.wait(timeout: 10)
                #expect(run.status == 1, "\(format): \(run.stderr)")
                let lines = errorLines(run.stderr)
                #expect(lines.count == 1, "\(run.stderr)")
                #expect(lines.first?.hasPrefix("glancetrace: \(file): ") == true, "\(run.stderr)")
                #expect(lines.first?.contains("No space left on device") == true, "\(run.stderr)")
                try? FileManager.default.removeItem(atPath: file)
            }
        }
    }
}
