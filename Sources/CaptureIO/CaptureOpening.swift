/// Opens a capture file with the chosen reader.
public func openCapture(path: String, reader kind: CaptureReaderKind = .native) throws(CaptureError) -> any CaptureReader {
    switch kind {
    case .libpcap:
        return try LibpcapReader(path: path)
    case .native:
        // The native reader lands with the foundation issue; until then libpcap serves.
        return try LibpcapReader(path: path)
    }
}
