import Reassembly

extension HTTPConnectionDecoder {
    /// Whether a connection's first payload looks like HTTP/1: a request line's method and target
    /// from the client, or `HTTP/1.` from the server. For content sniffing on ports that are not
    /// known HTTP ports (the reassembler's `ConsumerFactory` gets the first payload).
    public static func looksLikeHTTP(_ firstPayload: UnsafeRawBufferPointer, direction: FlowDirection) -> Bool {
        let bytes = firstPayload
        if direction == .serverToClient {
            let prefix: [UInt8] = Array("HTTP/1.".utf8)
            guard bytes.count >= prefix.count else { return false }
            for i in 0..<prefix.count where bytes[i] != prefix[i] { return false }
            return true
        }
        // METHOD SP ( "/" | "*" | "http" ): a token of 3 to 16 uppercase letters, then a target.
        var i = 0
        while i < bytes.count, i < 17, bytes[i] >= 0x41, bytes[i] <= 0x5A { i += 1 }
        guard i >= 3, i <= 16, i + 2 <= bytes.count, bytes[i] == 0x20 else { return false }
        let first = bytes[i + 1]
        return first == UInt8(ascii: "/") || first == UInt8(ascii: "*") || first == UInt8(ascii: "h")
    }
}
