import CaptureIO

/// How many decoding threads a run gets when `--threads` is not given.
///
/// Workers pay where decoding is the work: many small messages (API calls, SQL queries), where
/// `http` on 300,000 API calls took 0.59x the wall time on two threads. Where bulk transfers
/// make up the capture, reading and reassembly on the reading thread are the work and the upload
/// hashers already take the other cores: there the event hand-over only adds to the reading
/// thread (measured on the 2 GB benchmark capture, quiet 2-core machine, `--threads 2` against
/// 1: `sql` 1.06x the wall time, `http` 1.07x, `analyze` 1.10x). The mean length of the first
/// records tells the two apart: about 300 bytes on the API capture, 900 on the upload captures.
package enum DecodingThreads {
    /// Records shorter than this on average (pcap header included) are decoded on workers.
    static let smallRecordBytes = 512
    /// How much of the first capture the choice reads (a few milliseconds from the page cache).
    static let sampleBytes = 16 << 20

    /// `cores` threads for a capture of small records, else 1; 1 for a stream (standard input,
    /// a pipe), which cannot be read twice, and on one core.
    package static func automatic(paths: [String], reader: CaptureReaderKind, cores: Int) -> Int {
        guard cores > 1, let path = paths.first, path != CaptureInput.standardInput, !CaptureInput.isStream(path),
              let mean = meanRecordLength(path: path, reader: reader) else { return 1 }
        return mean < smallRecordBytes ? cores : 1
    }

    /// The mean length of the first records of `path` (captured bytes and a pcap record
    /// header each, whatever the file's format or compression), over `sampleBytes`, or nil when
    /// it cannot be read or holds no record.
    static func meanRecordLength(path: String, reader kind: CaptureReaderKind) -> Int? {
        guard let reader = try? openCapture(path: path, reader: kind) else { return nil }
        var records = 0
        var bytes = 0
        while bytes < sampleBytes, let record = try? reader.next() {
            records &+= 1
            bytes &+= record.bytes.count &+ 16
        }
        return records > 0 ? bytes / records : nil
    }
}
