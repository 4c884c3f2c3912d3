import Reassembly

extension MySQLConnectionDecoder {
    /// Whether a connection's first payload is a MySQL/MariaDB server greeting, for content
    /// sniffing on ports that are not watched: the server speaks first, with a packet of
    /// sequence 0 whose first byte is protocol version 10 and whose length is a greeting's
    /// (well under 1 KiB).
    public static func looksLikeServerGreeting(_ firstPayload: UnsafeRawBufferPointer, direction: FlowDirection) -> Bool {
        guard direction == .serverToClient, firstPayload.count >= 5 else { return false }
        let length = Int(firstPayload[0]) | Int(firstPayload[1]) << 8 | Int(firstPayload[2]) << 16
        return firstPayload[3] == 0 && firstPayload[4] == 10 && length < 1024
    }
}
