#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CaptureIO

/// Why a key log file could not be read.
package struct TLSKeyLogReadError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { "\(path): \(reason)" }
}

extension TLSKeyLog {
    /// Key log files beyond this are not key logs (a session's lines are ~200 bytes).
    static let maximumFileBytes = 64 << 20

    /// The secrets of the NSS key log file at `path`.
    package init(contentsOf path: String) throws(TLSKeyLogReadError) {
        self.init()
        try add(contentsOf: path)
    }

    /// Adds the secrets of the NSS key log file at `path` (`--keylog`).
    package mutating func add(contentsOf path: String) throws(TLSKeyLogReadError) {
        let bytes: [UInt8]
        do {
            bytes = try WholeFile.read(path, limit: TLSKeyLog.maximumFileBytes)
        } catch {
            switch error {
            case .notOpened(let code): throw TLSKeyLogReadError(path: path, reason: String(cString: strerror(code)))
            case .tooLarge:
                throw TLSKeyLogReadError(path: path, reason: "larger than \(TLSKeyLog.maximumFileBytes >> 20) MiB: not a key log")
            case .readError: throw TLSKeyLogReadError(path: path, reason: "read error")
            }
        }
        add(text: String(decoding: bytes, as: UTF8.self))
    }
}
