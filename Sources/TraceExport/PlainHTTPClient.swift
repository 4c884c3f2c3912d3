/// HTTP/1.1 over a plain TCP socket, for `http://` receivers: no library beneath it, so nothing
/// is loaded into a run that does not export. One connection per request (`Connection: close`):
/// an export is a few requests a second at most, and no connection state outlives an error.
struct PlainHTTPClient: HTTPPosting {
    let endpoint: HTTPEndpoint
    var limits = HTTPResponseReader.Limits()

    func post(_ body: [UInt8], headers: [(name: String, value: String)], timeout: Double) -> Result<HTTPPostResponse, HTTPPostFailure> {
        let deadline = Deadline(secondsFromNow: timeout)
        do throws(HTTPPostFailure) {
            let connection = try SocketConnection.connect(host: endpoint.host, port: endpoint.port, deadline: deadline)
            try connection.send(request(body, headers: headers), deadline: deadline)
            var reader = HTTPResponseReader(limits: limits)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
            defer { buffer.deallocate() }
            while reader.response == nil {
                let count = try connection.receive(into: buffer, deadline: deadline)
                if count == 0 {
                    try reader.consumeEnd()
                } else {
                    try reader.consume(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
            }
            guard let response = reader.response else { return .failure(HTTPPostFailure("no response")) }
            return .success(response)
        } catch {
            return .failure(error)
        }
    }

    /// The request head and body in one buffer (one send for a small export).
    private func request(_ body: [UInt8], headers: [(name: String, value: String)]) -> [UInt8] {
        var head = "POST \(endpoint.target) HTTP/1.1\r\nHost: \(endpoint.authority)\r\nUser-Agent: glancetrace\r\n"
        // A line break would start a header of its own (OTLPExporter.problem turns such headers away first).
        for header in headers where !(header.name + header.value).utf8.contains(where: { $0 == 10 || $0 == 13 }) { head += "\(header.name): \(header.value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes.reserveCapacity(bytes.count + body.count)
        bytes.append(contentsOf: body)
        return bytes
    }
}
