import CaptureIO
import PacketDecoding

/// One HTTP request and its response, as seen on one TCP connection.
///
/// Either half may be missing: a request still unanswered when the connection closed has
/// `response == nil`; a response whose request the capture lacks has `request == nil`.
/// Secrets are masked (see `SecretMask`).
package struct HTTPExchange: Sendable, Hashable {
    /// The reassembler's connection index (`ConnectionInfo.index`).
    package var connection: Int
    /// Position of this exchange on its connection, from 0.
    package var sequence: Int
    package var client: Endpoint
    package var server: Endpoint
    package var request: HTTPRequest?
    package var response: HTTPResponse?
    package var timing: HTTPExchangeTiming
    /// Request bytes on the wire: start line, headers, body with its chunk framing.
    package var requestWireBytes: Int
    /// Response bytes on the wire, interim (1xx) responses included.
    package var responseWireBytes: Int
    /// Number of gaps (lost byte runs) that touched this exchange, both directions.
    package var gaps: Int
    /// Bytes of this exchange the capture lacks, both directions.
    package var missingBytes: Int
    /// Bytes of this exchange cut by the capture's snap length, both directions: on the wire,
    /// not in the capture, and not among `missingBytes`.
    package var bytesNotCaptured = 0
    /// True when the exchange was carried in TLS (set by whoever decrypted it).
    package var tls: Bool
    /// MD5 and SHA-512 of an upload body (see `HTTPDecoderConfiguration.hashesUpload`); nil when
    /// not an upload or when bytes are missing. They may still be computing: read them late.
    package var uploadDigests: UploadDigests?
    /// Hex MD5 of an upload body; waits for the hasher.
    package var uploadMD5: String? { uploadDigests?.md5 }
    /// Hex SHA-512 of an upload body; waits for the hasher.
    package var uploadSHA512: String? { uploadDigests?.sha512 }
    /// When the upload body is one part of a larger whole (`HTTPDecoderConfiguration.uploadPart`):
    /// the digests of the whole up to and with this part; nil when a part before it was missing.
    package var joinedUploadDigests: UploadDigests?
    /// MD5 and SHA-512 of a download's response body (`HTTPDecoderConfiguration.hashesDownload`);
    /// nil when not a download or when bytes are missing. Read them late, as the upload's.
    package var downloadDigests: UploadDigests?
    /// What went wrong in this exchange.
    package var anomalies: [HTTPAnomaly]

    /// True when both halves were seen whole.
    package var isComplete: Bool { (request?.isComplete ?? false) && (response?.isComplete ?? false) }

    /// The response status, if a response was seen with a readable status code (an unreadable
    /// one, `HTTP/1.0 2XX`, is 0 in `response` and has a malformed-start-line anomaly).
    package var status: Int? {
        // The member read in place (`flatMap` copied the whole response out of its optional).
        guard let status = response?.status, status >= 100 else { return nil }
        return status
    }

    /// Fingerprint of the request's `X-Auth-Token` (8 hex digits), to link token uses.
    package var authTokenFingerprint: String? { request?.headers.fingerprint(for: "X-Auth-Token") }

    /// Fingerprint of `X-Subject-Token`: the token issued (response) or validated (request).
    package var subjectTokenFingerprint: String? {
        response?.headers.fingerprint(for: "X-Subject-Token") ?? request?.headers.fingerprint(for: "X-Subject-Token")
    }
}

extension HTTPExchange {
    package init(connection: Int, sequence: Int, client: Endpoint, server: Endpoint,
                request: HTTPRequest?, response: HTTPResponse?, timing: HTTPExchangeTiming = HTTPExchangeTiming(),
                requestWireBytes: Int = 0, responseWireBytes: Int = 0, gaps: Int = 0, missingBytes: Int = 0,
                tls: Bool = false, uploadDigests: UploadDigests? = nil, anomalies: [HTTPAnomaly] = [],
                joinedUploadDigests: UploadDigests? = nil, downloadDigests: UploadDigests? = nil, bytesNotCaptured: Int = 0) {
        // The memberwise initialiser (members in declaration order), in one expression: set
        // member by member, the exchange was built aside and copied into `self` (every string
        // and array of both messages retained and released again, once per exchange).
        self.init(connection: connection, sequence: sequence, client: client, server: server, request: request,
                  response: response, timing: timing, requestWireBytes: requestWireBytes, responseWireBytes: responseWireBytes,
                  gaps: gaps, missingBytes: missingBytes, bytesNotCaptured: bytesNotCaptured, tls: tls,
                  uploadDigests: uploadDigests, joinedUploadDigests: joinedUploadDigests, downloadDigests: downloadDigests,
                  anomalies: anomalies)
    }
}

/// When each half of an exchange started and ended, from the `at:` times the reassembler gave.
///
/// A time is that of the packet carrying the first byte of the chunk in which the event's byte
/// arrived.
package struct HTTPExchangeTiming: Sendable, Hashable {
    package var requestStart: Timestamp?
    package var requestEnd: Timestamp?
    /// Start of the final (non-1xx) response.
    package var responseStart: Timestamp?
    package var responseEnd: Timestamp?

    package init(requestStart: Timestamp? = nil, requestEnd: Timestamp? = nil,
                responseStart: Timestamp? = nil, responseEnd: Timestamp? = nil) {
        self.requestStart = requestStart
        self.requestEnd = requestEnd
        self.responseStart = responseStart
        self.responseEnd = responseEnd
    }

    /// The earliest known time of the exchange.
    package var start: Timestamp? { requestStart ?? responseStart }
    /// The latest known time of the exchange.
    package var end: Timestamp? {
        // Without an array of the four (asked once per exchange).
        func later(_ a: Timestamp?, _ b: Timestamp?) -> Timestamp? {
            guard let a else { return b }
            guard let b else { return a }
            return b > a ? b : a
        }
        return later(later(requestStart, requestEnd), later(responseStart, responseEnd))
    }
    /// Nanoseconds from request start to response end, when both are known.
    package var durationNanoseconds: Int64? {
        guard let start = requestStart, let end = responseEnd else { return nil }
        return end.nanoseconds(since: start)
    }
}
