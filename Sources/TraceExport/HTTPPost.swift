/// What a receiver answered to one POST.
struct HTTPPostResponse: Equatable, Sendable {
    var status: Int
    /// The `Retry-After` header's value, as sent (at most 64 bytes).
    var retryAfter: String?
    /// The body, at most the client's limit.
    var body: [UInt8]
    /// The receiver sent more than the limit; the rest was not read.
    var bodyTruncated = false
}

/// Why a POST got no answer: a line for the user (what failed, from the receiver's side or ours).
struct HTTPPostFailure: Error, Equatable, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// One HTTP POST, whole: connect, send, read the answer, all within `timeout` seconds.
protocol HTTPPosting: Sendable {
    func post(_ body: [UInt8], headers: [(name: String, value: String)], timeout: Double) -> Result<HTTPPostResponse, HTTPPostFailure>
}
