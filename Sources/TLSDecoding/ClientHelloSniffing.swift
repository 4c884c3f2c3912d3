/// Whether the first bytes of a stream look like a TLS ClientHello record, for finding TLS on
/// ports not configured as TLS.
///
/// Checks the record header (handshake, version 3.x, a plausible length) and, when present, the
/// handshake type (ClientHello) and the client version. Needs at least 6 bytes; fewer give false.
package func looksLikeClientHello(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count >= 6 else { return false }
    let length = Int(bytes[3]) << 8 | Int(bytes[4])
    guard bytes[0] == 22, bytes[1] == 3, bytes[2] <= 4, length >= 4, length <= 16_384, bytes[5] == 1 else {
        return false
    }
    if bytes.count >= 11 {
        // Handshake length (3 bytes) then client_version 3.x.
        guard bytes[9] == 3, bytes[10] <= 4 else { return false }
    }
    return true
}

/// Whether the first bytes of a stream look like a TLS ClientHello record.
package func looksLikeClientHello(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { looksLikeClientHello($0) }
}
