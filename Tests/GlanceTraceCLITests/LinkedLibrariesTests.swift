import Foundation
import TestSupport
import Testing

extension LiveTests {
    /// What every run of the binary loads before `main` (Benchmarks/README "Session 11"):
    /// Foundation, its internationalisation library and ICU were a quarter of start-up, and no
    /// module of glancetrace needs them (FoundationEssentials is enough). An `import Foundation`
    /// in any of them would bring them back, and break the release build's static link.
    /// libpcap (and the seven libraries it needs) and libcrypto are loaded only by the commands
    /// that call them (Sources/CPcap, Sources/CLibcrypto).
    @Suite(.enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    struct LinkedLibrariesTests {
        /// The binary's NEEDED entries (objdump -p), or nil without objdump.
        private func needed() throws -> [String]? {
            guard let dump = try ExternalTool.runIfInstalled("objdump", ["-p", try GlanceTraceBinary.binary()]) else {
                print("skipped: objdump (binutils) is not installed")
                return nil
            }
            return dump.output.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                return fields.count == 2 && fields[0] == "NEEDED" ? String(fields[1]) : nil
            }
        }

        @Test func foundationIsNotLoaded() throws {
            guard let needed = try needed() else { return }
            // The debug build the tests run links the Swift runtime as shared libraries.
            #expect(needed.contains { $0.hasPrefix("libswiftCore.") }, "objdump -p: \(needed)")
            let foundation = needed.filter {
                $0.hasPrefix("libFoundation.") || $0.hasPrefix("libFoundationInternationalization.") || $0.hasPrefix("lib_FoundationICU.")
            }
            #expect(foundation.isEmpty, "the binary loads \(foundation)")
        }

        @Test func libpcapAndLibcryptoAreNotLinked() throws {
            guard let needed = try needed() else { return }
            #expect(needed.contains { $0.hasPrefix("libc.so") }, "objdump -p: \(needed)")
            #expect(!needed.contains { $0.hasPrefix("libpcap") }, "the binary links libpcap: \(needed)")
            #expect(!needed.contains { $0.hasPrefix("libcrypto") }, "the binary links libcrypto: \(needed)")
        }

        /// A run of the binary with the loader's `LD_DEBUG=files` lines on stderr: its status,
        /// standard output, and whether it loaded libpcap and libcrypto; nil when this loader
        /// writes no such lines (not glibc's).
        private func run(_ arguments: [String]) throws -> (status: Int32, output: String, loadedLibpcap: Bool, loadedLibcrypto: Bool)? {
            let result = try ExternalTool.run(try GlanceTraceBinary.binary(), arguments, environment: ["LD_DEBUG": "files"])
            guard result.error.contains("file=libc.so") else {
                print("skipped: LD_DEBUG=files printed nothing (the loader is not glibc's)")
                return nil
            }
            return (result.status, result.output, result.error.contains("file=libpcap"), result.error.contains("file=libcrypto"))
        }

        /// The packets `info --format json` counted.
        private func packets(_ output: String) -> Int? {
            let objects = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]
            return objects?.first?["packets"] as? Int
        }

        @Test func librariesAreLoadedOnlyByTheCommandsThatNeedThem() throws {
            let capture = ProjectPaths.fixture("captures/a-seed-slim.pcap")
            guard let native = try run(["info", "--format", "json", capture]),
                  let analyze = try run(["analyze", "--format", "json", capture]),
                  let reference = try run(["info", "--format", "json", "--reader", "libpcap", capture]),
                  let version = try run(["--version"]) else { return }
            #expect(native.status == 0 && analyze.status == 0)
            #expect(!native.loadedLibpcap, "info with the native reader loaded libpcap")
            #expect(!analyze.loadedLibpcap, "analyze with the native reader loaded libpcap")
            // info hashes nothing; analyze masks secrets and hashes uploads with libcrypto.
            #expect(!native.loadedLibcrypto && !version.loadedLibcrypto, "info or --version loaded libcrypto")
            #expect(analyze.loadedLibcrypto)
            // The commands that need it load it and work.
            #expect(reference.status == 0 && reference.loadedLibpcap)
            #expect(packets(native.output) != nil && packets(reference.output) == packets(native.output),
                    "packets: native \(packets(native.output) ?? -1), libpcap \(packets(reference.output) ?? -1)")
            #expect(version.loadedLibpcap && version.output.contains("\nlibpcap version "), "\(version.output)")
        }
    }
}
