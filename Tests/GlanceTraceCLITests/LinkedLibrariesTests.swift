import TestSupport
import Testing

extension LiveTests {
    /// What every run of the binary loads before `main` (Benchmarks/README "Session 11"):
    /// Foundation, its internationalisation library and ICU were a quarter of start-up, and no
    /// module of glancetrace needs them (FoundationEssentials is enough). An `import Foundation`
    /// in any of them would bring them back, and break the release build's static link.
    @Suite(.enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    struct LinkedLibrariesTests {
        @Test func foundationIsNotLoaded() throws {
            guard let dump = try ExternalTool.runIfInstalled("objdump", ["-p", try GlanceTraceBinary.binary()]) else {
                print("skipped: objdump (binutils) is not installed")
                return
            }
            let needed = dump.output.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                return fields.count == 2 && fields[0] == "NEEDED" ? String(fields[1]) : nil
            }
            // The debug build the tests run links the Swift runtime as shared libraries.
            #expect(needed.contains { $0.hasPrefix("libswiftCore.") }, "objdump -p: \(needed)")
            let foundation = needed.filter {
                $0.hasPrefix("libFoundation.") || $0.hasPrefix("libFoundationInternationalization.") || $0.hasPrefix("lib_FoundationICU.")
            }
            #expect(foundation.isEmpty, "the binary loads \(foundation)")
        }
    }
}
