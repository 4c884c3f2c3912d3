import Foundation
import TestSupport
import Testing

extension LiveTests {
    /// A machine without libpcap or libcrypto (Sources/CPcap and Sources/CLibcrypto load them
    /// with dlopen): what does not need the library works and prints what it prints with it,
    /// what needs it fails with the loader's reason, and nothing crashes. The library's files
    /// are hidden by mounting /dev/null over them in a mount namespace of the test's own
    /// (`unshare -r -m`); where that is not allowed, skipped.
    @Suite(.enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    struct MissingLibraryTests {
        /// The files of the library whose sonames start with `name` ("libpcap.so"), as the
        /// loader's cache lists them, symbolic links resolved.
        private func files(of name: String) throws -> [String] {
            guard let ldconfig = ExternalTool.path("ldconfig") else { return [] }
            let listing = try ExternalTool.run(ldconfig, ["-p"])
            let paths = listing.output.split(separator: "\n")
                .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name) }
                .compactMap { $0.components(separatedBy: " => ").last }
                .map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            return Array(Set(paths)).sorted()
        }

        /// Runs the binary with `hidden` unreadable; nil (with a note) where that cannot be done.
        private func run(hiding hidden: [String], _ arguments: [String], environment: [String: String] = [:]) throws -> ExternalTool.Output? {
            guard !hidden.isEmpty else {
                print("skipped: ldconfig -p lists no such library")
                return nil
            }
            guard let unshare = ExternalTool.path("unshare") else {
                print("skipped: unshare (util-linux) is not installed")
                return nil
            }
            let script = "for f in \(hidden.map { "'\($0)'" }.joined(separator: " ")); do mount --bind /dev/null \"$f\" || exit 97; done; exec \"$0\" \"$@\""
            let result = try ExternalTool.run(unshare, ["-r", "-m", "sh", "-c", script, try GlanceTraceBinary.binary()] + arguments,
                                              environment: environment)
            if result.status == 97 || result.error.hasPrefix("unshare:") {
                print("skipped: cannot hide \(hidden) in a mount namespace here: \(result.error)")
                return nil
            }
            return result
        }

        @Test func commandsWithoutLibpcap() throws {
            let libpcap = try files(of: "libpcap.so")
            let capture = ProjectPaths.fixture("captures/a-seed-slim.pcap")
            guard let version = try run(hiding: libpcap, ["--version"]) else { return }
            #expect(version.status == 0)
            let lines = version.output.split(separator: "\n")
            #expect(lines.count == 2 && lines[0].hasPrefix("glancetrace ") && lines[1].hasPrefix("libpcap not available ("),
                    "\(version.output)")

            // The native reader needs no libpcap: the same report as with it.
            let info = try run(hiding: libpcap, ["info", "--format", "json", capture])
            let expected = try ExternalTool.run(try GlanceTraceBinary.binary(), ["info", "--format", "json", capture])
            #expect(info?.status == 0 && expected.status == 0 && info?.output == expected.output, "\(info?.error ?? "")")

            let reference = try run(hiding: libpcap, ["info", "--reader", "libpcap", capture])
            #expect(reference?.status == 1 && reference?.error.contains("libpcap could not be loaded: ") == true,
                    "\(reference?.error ?? "")")
            let directory = try ProjectPaths.temporaryDirectory("nolibpcap").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let split = try run(hiding: libpcap, ["split", "-c", "1000", "--filter", "tcp", capture, directory + "/piece.pcap"])
            #expect(split?.status == 1 && split?.error.contains("--filter needs libpcap: ") == true, "\(split?.error ?? "")")
            let live = try run(hiding: libpcap, ["capture", "-i", "lo", "--duration", "1"])
            #expect(live?.status == 1 && live?.error.contains("libpcap could not be loaded: ") == true, "\(live?.error ?? "")")
        }

        /// Without libcrypto, the upload's SHA-512 and the token's fingerprint come from
        /// swift-crypto: the same report, and the digests coreutils computes.
        @Test func analyzeWithoutLibcrypto() throws {
            let directory = try ProjectPaths.temporaryDirectory("nolibcrypto").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let image = "5e1f1a46-0d3c-4d55-9d7c-64f0a3b3c001", token = "gAAAAABnolibcryptotoken"
            let data = SplitMix64.bytes(300_000, seed: 12)
            var c = TCPConversationCapture(client: [127, 0, 0, 1], server: [127, 0, 0, 1], start: 1_796_000_000_000_000, step: 50)
            c.open(client: 40001, server: 9292)
            c.send(client: 40001, server: 9292, toServer: true, "PUT /v2/images/\(image)/file HTTP/1.1\r\nHost: 127.0.0.1:9292\r\n"
                   + "X-Auth-Token: \(token)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(data.count)\r\n\r\n")
            c.send(client: 40001, server: 9292, toServer: true, data)
            c.send(client: 40001, server: 9292, toServer: false, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            c.close(client: 40001, server: 9292)
            let capture = directory + "/upload.pcap"
            try c.write(to: capture)

            let arguments = ["analyze", "--format", "json", capture], html = ["analyze", "--format", "html", capture]
            // LD_DEBUG=files: the binary tried to load libcrypto, and the loader never ran its
            // initialiser (it was not loaded).
            guard let json = try run(hiding: try files(of: "libcrypto.so"), arguments, environment: ["LD_DEBUG": "files"]),
                  let page = try run(hiding: try files(of: "libcrypto.so"), html) else { return }
            let loaderLines = json.error.split(separator: "\n")
            #expect(loaderLines.contains { $0.contains("file=libcrypto.so.3 ") })
            #expect(!loaderLines.contains { $0.contains("calling init:") && $0.contains("libcrypto") }, "libcrypto was loaded")
            let expectedJSON = try ExternalTool.run(try GlanceTraceBinary.binary(), arguments)
            let expectedPage = try ExternalTool.run(try GlanceTraceBinary.binary(), html)
            #expect(json.status == 0 && page.status == 0, "\(json.error.suffix(300)) \(page.error)")
            #expect(json.output == expectedJSON.output && page.output == expectedPage.output)

            try Data(data).write(to: URL(fileURLWithPath: directory + "/data"))
            try Data(token.utf8).write(to: URL(fileURLWithPath: directory + "/token"))
            guard let sha512 = try ExternalTool.runIfInstalled("sha512sum", [directory + "/data"]),
                  let sha256 = try ExternalTool.runIfInstalled("sha256sum", [directory + "/token"]) else {
                print("skipped: coreutils' sha512sum and sha256sum are not installed")
                return
            }
            let uploadDigest = String(sha512.output.prefix(128)), fingerprint = String(sha256.output.prefix(8))
            #expect(json.output.contains("\"\(uploadDigest)\""), "analyze --format json lacks the upload's SHA-512 \(uploadDigest)")
            #expect(page.output.contains("masked sha256:\(fingerprint)"), "analyze --format html lacks the token's fingerprint \(fingerprint)")
        }
    }
}
