// swift-tools-version: 6.1
import PackageDescription

// Access: the package builds one executable, so what its modules share is `package`, with
// `///` docs on it. The four per-packet modules (ByteReading, CaptureIO, PacketDecoding,
// Reassembly) keep `public`: as `package`, the generic witnesses of their small types
// (OptionSet's `contains` on `TCPFlags`, ...) were no longer specialised in the modules that call
// them and `info` and `sql` on the 2 GB benchmark capture ran 8-10% slower (paired release runs;
// `-package-cmo`, `-cross-module-optimization` and `-enable-cmo-everything` did not win it back).
// The reason: the compiler does not serialise `@inlinable` bodies of a `package` type's members
// (Swift 6.3 without library evolution), so no member of a `package` type is inlined or
// specialised in another module. For the same reason Timeline's `FactStore` (appended to by
// Analysis, read by Reports, per SQL command and HTTP exchange) is `public` with `@inlinable`
// per-fact members.

/// Release builds lower copies and destroys of values without the type-layout path: with it,
/// the compiler made the outlined copy or destroy of many a composite value (an optional tuple
/// of a body and a flag, an optional class reference inside a struct) a call through the type's
/// value witness table, the metadata looked up by mangled name first, about a hundred
/// instructions where a few releases do. Eight of them per HTTP exchange: 3% of `sql`'s
/// instructions on the API capture (issue 25; Benchmarks/README "Session 17").
let releaseLowering: [String] = ["-Xfrontend", "-disable-type-layout"]
let releaseSettings: [SwiftSetting] = [.unsafeFlags(releaseLowering, .when(configuration: .release))]

/// The per-packet stages run the runtime exclusivity check on every access to a class
/// property (a fifth of `info`'s time on the 2 GB benchmark). Release builds of the stages
/// every packet or stream byte passes through drop it; debug builds, which the tests run, keep it, so a violation still shows.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"] + releaseLowering, .when(configuration: .release))]

let package = Package(
    name: "glancetrace",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "glancetrace", targets: ["GlanceTraceCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // MD5/SHA-512 of uploaded image data, SHA-256 fingerprints of secrets, and TLS record
        // protection (AES-GCM, ChaCha20-Poly1305, HKDF, HMAC): no hash or cipher by hand.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // libpcap's API (<pcap/pcap.h>, from libpcap-dev), served by a loader that opens the
        // library with dlopen on the first call: not linked, so the commands that never call it
        // (info, sql, http, analyze with the native reader) do not load it and the seven
        // libraries it needs.
        .target(name: "CPcap", dependencies: ["CLazyLibrary"]),
        // A shared library opened with dlopen when first needed, its functions looked up once.
        .target(name: "CLazyLibrary"),
        // OpenSSL's libcrypto for SHA-512 of uploads: its AVX2 code hashes 2.5x faster here
        // than the BoringSSL inside swift-crypto, and SHA-512 of the image data is the largest
        // cost of `http` and `analyze` on a big upload (also SHA-256 of secrets, AES-CBC of TLS
        // 1.2). Its API (<openssl/evp.h>, from libssl-dev), served by a loader that opens
        // libcrypto.so.3 with dlopen on the first call: `info`, `split` and `--version` never
        // load it.
        .target(name: "CLibcrypto", dependencies: ["CLazyLibrary"]),
        // MySQL 8's zstd compressed protocol.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // fallocate, which Swift's Glibc module does not export.
        .target(name: "CFileCalls"),
        .target(name: "CaptureIO", dependencies: ["CPcap", "CZlib", "CFileCalls"], swiftSettings: hotPathSettings),
        // The one bounds-checked byte reader under every decoder and the spill codec.
        .target(name: "ByteReading", swiftSettings: hotPathSettings),
        .target(name: "PacketDecoding", dependencies: ["CaptureIO", "ByteReading"], swiftSettings: hotPathSettings),
        .target(name: "Splitting", dependencies: ["CaptureIO", "PacketDecoding", "Reassembly", "HTTPDecoding", "CPcap"],
                swiftSettings: releaseSettings),
        .target(name: "Reassembly", dependencies: ["PacketDecoding", "ByteReading"], swiftSettings: hotPathSettings),
        .target(name: "HTTPDecoding", dependencies: [
            "Reassembly", "CZlib", "CLibcrypto", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: hotPathSettings),
        .target(name: "MySQLDecoding", dependencies: ["Reassembly", "ByteReading", "CZlib", "CZstd"], swiftSettings: hotPathSettings),
        .target(name: "TLSDecoding", dependencies: [
            "Reassembly", "ByteReading", .product(name: "Crypto", package: "swift-crypto"),
            "CLibcrypto",  // AES-CBC for TLS 1.2 CBC suites
        ], swiftSettings: releaseSettings),
        // HTTP/1.1 exchanges read from the records of TLS connections nobody has the keys of.
        .target(name: "TLSInference", dependencies: ["TLSDecoding"], swiftSettings: releaseSettings),
        // Pure: exchange and command facts in, proxy leg links out (no capture types).
        .target(name: "LegJoining", swiftSettings: releaseSettings),
        // Pure OpenStack meaning: facts in, timeline out; no I/O (tested with facts alone).
        .target(name: "Timeline", dependencies: ["ByteReading", "HTTPDecoding", "MySQLDecoding", "TLSDecoding", "TLSInference", "LegJoining"], swiftSettings: hotPathSettings),
        // Drives a run: opens and merges captures, surveys them, wires the decoders, records
        // facts (spill storage), and the live loop.
        .target(name: "Analysis", dependencies: [
            "Timeline", "CaptureIO", "PacketDecoding", "Reassembly", "HTTPDecoding", "MySQLDecoding", "TLSDecoding", "TLSInference",
        ], swiftSettings: hotPathSettings),
        // The OpenTelemetry trace messages glancetrace writes, encoded by hand as protobuf (for an
        // OTLP/HTTP receiver) and OTLP/JSON (for files), and the receiver's answer read back.
        .target(name: "OTLPProtocol", dependencies: ["ByteReading"], swiftSettings: releaseSettings),
        .target(name: "Reports", dependencies: [
            "Analysis", "Timeline", "MySQLDecoding", "OTLPProtocol",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: releaseSettings),
        // libcurl for https:// OTLP receivers, loaded with dlopen only when one is used (not linked).
        .target(name: "CCurlRuntime"),
        // Posting traces to an OTLP/HTTP receiver during a live capture: HTTP/1.1 of its own on a
        // socket, libcurl at run time for https.
        .target(name: "TraceExport", dependencies: ["Reports", "CCurlRuntime"], swiftSettings: releaseSettings),
        .executableTarget(
            name: "GlanceTraceCLI",
            dependencies: [
                "CaptureIO", "PacketDecoding", "Reassembly", "HTTPDecoding",
                "MySQLDecoding", "TLSDecoding", "Timeline", "Analysis", "Reports", "Splitting", "TraceExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: releaseSettings,
            // Release: the Swift runtime, standard library, FoundationEssentials and libdispatch
            // linked in. Loading them as 14 shared libraries (ld.so looking up and relocating
            // their symbols, the kernel mapping them) was half of every run's start-up: `--version`
            // 4.6 ms of CPU against 9.3 ms (Benchmarks/README "Session 11"). Only the link
            // changes (the sources are compiled as for a shared runtime), so release shares `.build`
            // with debug, which the tests run and which stays dynamic. The two libraries are what
            // the static FoundationEssentials needs and the shared modules do not name.
            // Packaging/build-deb's --static-swift-stdlib build gets the same runtime. So no module
            // of the binary may import Foundation (FoundationEssentials is fine): the static
            // Foundation would need CoreFoundation and ICU named too (the release link fails on
            // kCF* and ICU symbols), and every run would load it again (LinkedLibrariesTests).
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"], .when(configuration: .release)),
                .linkedLibrary("_FoundationCollections", .when(configuration: .release)),
                .linkedLibrary("_FoundationCShims", .when(configuration: .release)),
            ],
            plugins: ["RecordRevision"]
        ),
        // libFuzzer targets (Fuzz/README.md): built with `-sanitize=fuzzer -DFUZZING` they fuzz;
        // built plainly, as here, they replay a corpus (CI's smoke, a crash to reproduce).
        .executableTarget(
            name: "GlanceTraceFuzz",
            dependencies: ["CaptureIO", "PacketDecoding", "Reassembly", "HTTPDecoding", "MySQLDecoding", "TLSDecoding"],
            path: "Fuzz/GlanceTraceFuzz"
        ),
        // `glancetrace --version`'s git revision (Packaging/record-revision), before every build.
        .plugin(name: "RecordRevision", capability: .buildTool()),
        // What the tests share (Tests/Support): the seeded generator, fixture paths, the pcap builder.
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "SupportTests"),
        .testTarget(name: "CaptureIOTests", dependencies: ["CaptureIO"]),
        .testTarget(name: "PacketDecodingTests", dependencies: ["PacketDecoding"]),
        .testTarget(name: "ReassemblyTests", dependencies: [
            "Reassembly", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "HTTPDecodingTests", dependencies: ["HTTPDecoding"]),
        .testTarget(name: "MySQLDecodingTests", dependencies: ["MySQLDecoding"]),
        .testTarget(name: "TLSDecodingTests", dependencies: ["TLSDecoding"]),
        .testTarget(name: "TLSInferenceTests", dependencies: ["TLSInference"]),
        .testTarget(name: "LegJoiningTests", dependencies: ["LegJoining"]),
        .testTarget(name: "TimelineTests", dependencies: ["Timeline"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Timeline"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "PipelineTests", dependencies: [
            "Analysis", "Timeline", "Reports", "Splitting", "MySQLDecoding", "OTLPProtocol",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "SplittingTests", dependencies: ["Splitting", "Timeline"], exclude: ["Fixtures"]),
        // Runs the built `glancetrace` binary (an executable target cannot be imported): live
        // capture on lo against a real MariaDB and an HTTP server (Fixtures/live/).
        .testTarget(name: "GlanceTraceCLITests", dependencies: ["CaptureIO"]),
        .testTarget(name: "TraceExportTests", dependencies: ["TraceExport", "Reports"]),
    ]
)

// Every test target may use the shared test support.
for target in package.targets where target.type == .test { target.dependencies.append("TestSupport") }
