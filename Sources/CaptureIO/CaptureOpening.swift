/// Opens a capture file with the chosen reader.
///
/// `.native` (the default) reads pcap and pcapng, plain or gzip-compressed, without copying
/// records. `.libpcap` is the reference implementation; it cannot read compressed files.
public func openCapture(path: String, reader kind: CaptureReaderKind = .native) throws(CaptureError) -> any CaptureReader {
    switch kind {
    case .libpcap:
        return try LibpcapReader(path: path)
    case .native:
        return try NativeCaptureReader(path: path)
    }
}
