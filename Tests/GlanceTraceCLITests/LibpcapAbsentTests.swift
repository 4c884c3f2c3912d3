import Foundation
import TestSupport
import Testing

extension LiveTests {
    /// A machine without libpcap (Sources/CPcap loads it with dlopen): the commands that read
    /// files with the native reader work, those that need libpcap fail with the loader's reason,
    /// and nothing crashes. libpcap's files are hidden by mounting /dev/null over them in a mount
    /// namespace of the test's own (`unshare -r -m`); where that is not allowed, skipped.
    @Suite(.enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    struct LibpcapAbsentTests {
        /// libpcap's files as the loader's cache lists them, symbolic links resolved.
        private func libpcapFiles() throws -> [String] {
            guard let ldconfig = ExternalTool.path("ldconfig") else { return [] }
            let listing = try ExternalTool.run(ldconfig, ["-p"])
            let paths = listing.output.split(separator: "\n").filter { $0.contains("libpcap.so") }
                .compactMap { $0.components(separatedBy: " => ").last }
                .map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            return Array(Set(paths)).sorted()
        }

        /// Runs the binary with libpcap's files hidden; nil (with a note) where that cannot be done.
        private func runWithoutLibpcap(_ files: [String], _ arguments: [String]) throws -> ExternalTool.Output? {
            guard let unshare = ExternalTool.path("unshare") else {
                print("skipped: unshare (util-linux) is not installed")
                return nil
            }
            let script = "for f in \(files.map { "'\($0)'" }.joined(separator: " ")); do mount --bind /dev/null \"$f\" || exit 97; done; exec \"$0\" \"$@\""
            let result = try ExternalTool.run(unshare, ["-r", "-m", "sh", "-c", script, try GlanceTraceBinary.binary()] + arguments)
            if result.status == 97 || result.error.hasPrefix("unshare:") {
                print("skipped: cannot hide libpcap in a mount namespace here: \(result.error)")
                return nil
            }
            return result
        }

        @Test func commandsWithoutLibpcap() throws {
            let files = try libpcapFiles()
            guard !files.isEmpty else {
                print("skipped: ldconfig -p lists no libpcap")
                return
            }
            let capture = ProjectPaths.fixture("captures/a-seed-slim.pcap")
            guard let version = try runWithoutLibpcap(files, ["--version"]) else { return }
            #expect(version.status == 0)
            let lines = version.output.split(separator: "\n")
            #expect(lines.count == 2 && lines[0].hasPrefix("glancetrace ") && lines[1].hasPrefix("libpcap not available ("),
                    "\(version.output)")

            // The native reader needs no libpcap: the same report as with it.
            let info = try runWithoutLibpcap(files, ["info", "--format", "json", capture])
            let expected = try ExternalTool.run(try GlanceTraceBinary.binary(), ["info", "--format", "json", capture])
            #expect(info?.status == 0 && expected.status == 0 && info?.output == expected.output, "\(info?.error ?? "")")

            let reference = try runWithoutLibpcap(files, ["info", "--reader", "libpcap", capture])
            #expect(reference?.status == 1 && reference?.error.contains("libpcap could not be loaded: ") == true,
                    "\(reference?.error ?? "")")
            let directory = try ProjectPaths.temporaryDirectory("nolibpcap").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let split = try runWithoutLibpcap(files, ["split", "-c", "1000", "--filter", "tcp", capture, directory + "/piece.pcap"])
            #expect(split?.status == 1 && split?.error.contains("--filter needs libpcap: ") == true, "\(split?.error ?? "")")
            let live = try runWithoutLibpcap(files, ["capture", "-i", "lo", "--duration", "1"])
            #expect(live?.status == 1 && live?.error.contains("libpcap could not be loaded: ") == true, "\(live?.error ?? "")")
        }
    }
}
