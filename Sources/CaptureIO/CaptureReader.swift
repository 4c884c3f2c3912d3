/// A source of capture records, read one at a time.
///
/// The record returned by `next()` borrows the reader's buffer: it stays valid only until
/// the next call. Readers never trap on bad input: structural damage ends the stream with
/// a `warning`, after every record before it was returned.
public protocol CaptureReader: AnyObject {
    var info: CaptureFileInfo { get }
    /// The next record, or nil at the end of the file or at damage (see `warning`).
    func next() throws(CaptureError) -> CaptureRecord?
    /// Set when reading stopped early because the file is truncated or damaged.
    var warning: CaptureWarning? { get }
    /// Link types seen so far (all of a pcap file; the interfaces met so far in pcapng).
    var linkTypes: [LinkType] { get }
    /// Interfaces met so far, over all sections; `CaptureRecord.interfaceIndex` indexes this list.
    var interfaces: [CaptureInterface] { get }
    /// Decryption secrets met so far (pcapng DSB).
    var secrets: [DecryptionSecrets] { get }
    /// The capture's own counters met so far (pcapng ISB), the last per interface.
    var interfaceStatistics: [InterfaceStatistics] { get }
    /// Bytes of the file on disk consumed so far (compressed bytes for gzip), for progress reports.
    var bytesConsumed: Int { get }
    /// Size of the file on disk (compressed size for gzip), for progress reports.
    var fileSize: Int { get }
}

/// Which implementation reads a capture file.
public enum CaptureReaderKind: String, Sendable, CaseIterable {
    /// Our own zero-copy reader over a memory map (or a streaming inflater for gzip).
    case native
    /// libpcap's `pcap_next_ex`, the reference.
    case libpcap
}
