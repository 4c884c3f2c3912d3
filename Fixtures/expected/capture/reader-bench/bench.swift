import CaptureIO
#if canImport(Glibc)
import Glibc
#endif

// Usage: bench native|libpcap FILE [count|head|all]
// count: lengths only; head: reads the first 64 bytes of each packet (what decoders touch);
// all: reads every captured byte.
@main struct Bench {
    static func main() throws {
        let args = CommandLine.arguments
        guard args.count >= 3, let kind = CaptureReaderKind(rawValue: args[1]) else {
            print("usage: bench native|libpcap FILE [count|head|all]"); exit(2)
        }
        let modeName = args.count > 3 ? args[3] : "count"
        let mode = modeName == "all" ? 2 : modeName == "head" ? 1 : 0
        let clock = ContinuousClock()
        let start = clock.now
        let reader = try openCapture(path: args[2], reader: kind)
        var packets = 0, bytes = 0
        var sum: UInt64 = 0
        while let r = try reader.next() {
            packets &+= 1
            bytes &+= r.bytes.count
            switch mode {
            case 1:
                let n = min(r.bytes.count, 64) / 8
                for i in 0..<n { sum &+= r.bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
            case 2:
                let n = r.bytes.count / 8
                for i in 0..<n { sum &+= r.bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
            default:
                sum &+= UInt64(truncatingIfNeeded: r.timestamp.nanoseconds)
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let mb = Double(reader.fileSize) / 1e6
        print("\(args[1]) \(modeName): \(packets) packets, \(bytes) bytes, \(String(format2(seconds))) s, "
              + "\(Int(mb / seconds)) MB/s, peak RSS \(usage.ru_maxrss / 1024) MB, checksum \(sum % 1000)"
              + (reader.warning.map { ", warning: \($0)" } ?? ""))
    }
    static func format2(_ x: Double) -> String { String(Double(Int(x * 1000)) / 1000) }
}
