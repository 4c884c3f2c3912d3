#if canImport(Glibc)
import Glibc
#endif
import CaptureIO

/// The target chosen by `GLANCETRACE_FUZZ_TARGET` (one binary serves all five).
nonisolated(unsafe) private var selected: FuzzTarget?

private func chosenTarget() -> FuzzTarget {
    if let selected { return selected }
    let name = getenv("GLANCETRACE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        print("GLANCETRACE_FUZZ_TARGET=\(name): expected one of \(names)")
        exit(2)
    }
    selected = target
    return target
}

#if FUZZING
/// libFuzzer's entry point (built with `-sanitize=fuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    chosenTarget().run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point as `<target>_main` (so that tests can link the
/// module): that symbol hands over to libFuzzer's driver instead of libFuzzer's own `main`.
@_cdecl("GlanceTraceFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
/// Without libFuzzer: replays the files given (a corpus, a crash), as CI's smoke does.
@main
struct ReplayInputs {
    static func main() {
        let target = chosenTarget()
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            for file in files(at: path) {
                guard let bytes = try? WholeFile.read(file) else { continue }
                bytes.withUnsafeBytes { target.run($0) }
                count += 1
            }
        }
        print("\(target.rawValue): \(count) inputs replayed")
    }

    static func files(at path: String) -> [String] {
        guard let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var result: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { result.append(path + "/" + name) }
        }
        return result.sorted()
    }
}
#endif
