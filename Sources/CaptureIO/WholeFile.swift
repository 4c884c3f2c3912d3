#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small file read to its end with stdio, for files whose size cannot be trusted up front:
/// `/proc` files report size 0, and a key log may be a FIFO (`--keylog <(ssh ...)`).
package enum WholeFile {
    /// Why a file was not read whole.
    package enum Failure: Error, Sendable {
        /// `fopen` failed with this `errno`.
        case notOpened(errno: Int32)
        /// The file holds more than the limit.
        case tooLarge
        /// `fread` reported an error.
        case readError
    }

    /// The bytes of the file at `path`; more than `limit` bytes is a failure, not a truncation.
    package static func read(_ path: String, limit: Int = .max) throws(Failure) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw .notOpened(errno: errno) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > limit { throw .tooLarge }
        }
        if ferror(file) != 0 { throw .readError }
        return bytes
    }
}
