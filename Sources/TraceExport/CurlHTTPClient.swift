import CCurlRuntime

/// HTTP through libcurl, loaded at run time (`dlopen("libcurl.so.4")`) the first time it is
/// needed: for `https://` receivers (TLS, the system's CA bundle or `caFile`) and for receivers
/// reached through a proxy from the environment (`http_proxy`, `https_proxy`, `all_proxy`,
/// `no_proxy`: libcurl reads them itself, as it did under URLSession).
struct CurlHTTPClient: HTTPPosting {
    let endpoint: HTTPEndpoint
    /// A PEM file of the CAs to trust instead of the system's.
    var caFile: String?
    var bodyLimit = HTTPResponseReader.Limits().body

    /// Nil when libcurl can be used; otherwise why not, for the user.
    static func loadProblem() -> String? {
        var error = [CChar](repeating: 0, count: 256)
        if gt_curl_load(&error, error.count) == 1 { return nil }
        return String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func post(_ body: [UInt8], headers: [(name: String, value: String)], timeout: Double) -> Result<HTTPPostResponse, HTTPPostFailure> {
        // The header lines as C strings, one after another in one buffer (NUL-terminated each).
        var storage: [CChar] = []
        var offsets: [Int] = []
        for line in headers.map({ "\($0.name): \($0.value)" }) + ["User-Agent: glancetrace"] {
            offsets.append(storage.count)
            storage.append(contentsOf: line.utf8CString)
        }
        var response = gt_curl_response()
        defer { gt_curl_response_free(&response) }
        let milliseconds = timeout.isFinite ? Int(min(max(timeout, 0.001), 86_400) * 1000) : 86_400_000
        let answered = storage.withUnsafeBufferPointer { characters -> Int32 in
            guard let base = characters.baseAddress else { return 0 }
            let pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return pointers.withUnsafeBufferPointer { headerPointers in
                body.withUnsafeBufferPointer { bodyPointer in
                    gt_curl_post(endpoint.url, headerPointers.baseAddress, headerPointers.count, bodyPointer.baseAddress, bodyPointer.count,
                                 milliseconds, caFile, bodyLimit, &response)
                }
            }
        }
        guard answered == 1 else {
            let reason = withUnsafeBytes(of: response.error) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            return .failure(HTTPPostFailure(reason.isEmpty ? "libcurl failed" : reason))
        }
        let bytes = response.body.map { Array(UnsafeBufferPointer(start: $0, count: response.body_length)) } ?? []
        let retryAfter = response.has_retry_after == 0 ? nil
            : withUnsafeBytes(of: response.retry_after) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        return .success(HTTPPostResponse(status: response.status, retryAfter: retryAfter, body: bytes, bodyTruncated: response.body_truncated != 0))
    }
}
