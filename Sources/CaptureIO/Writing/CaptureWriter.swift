/// Writes capture records into one output file.
///
/// A writer owns its `BufferedFileOutput`: nothing appears under the final name until
/// `finish()` succeeds, and a writer dropped without `finish()` leaves no file behind.
public protocol CaptureWriter: AnyObject {
    /// The final path of the file being written.
    var path: String { get }
    /// Records written so far.
    var recordCount: Int { get }
    /// Bytes of the file so far (headers included).
    var bytesWritten: Int { get }
    /// Appends one record. `bytes` may be shorter than the record's captured bytes (the slim
    /// splitter cuts bulk payload); `originalLength` stays what was on the wire.
    func write(_ record: CaptureRecord, bytes: UnsafeRawBufferPointer, originalLength: Int) throws(CaptureError)
    /// Flushes, closes and renames the file into place.
    func finish() throws(CaptureError)
    /// Removes the partial file.
    func abandon()
}

extension CaptureWriter {
    /// Appends a record unchanged.
    public func write(_ record: CaptureRecord) throws(CaptureError) {
        try write(record, bytes: record.bytes, originalLength: record.originalLength)
    }
}

/// The file format a writer produces.
public enum CaptureOutputFormat: String, Sendable, CaseIterable {
    case pcap
    case pcapng
}
