import CaptureIO
import TLSDecoding

/// One HTTP/1.1 request and its response as the TLS record layer shows them without keys: a
/// burst of client records, then the server's burst.
///
/// Times are those the decoder gives decrypted data (the capture time of the packet carrying
/// each record's first byte), so a decoded exchange of the same connection has the same start
/// and end. Sizes are plaintext bytes (start line, headers and body together: encrypted, they
/// cannot be told apart), from the record lengths less what the protection adds.
package struct InferredExchange: Sendable, Hashable {
    /// Position among the connection's inferred exchanges, from 0.
    package var sequence: Int
    /// The first record of the request.
    package var requestStart: Timestamp
    /// The last record of the request.
    package var requestEnd: Timestamp
    /// The first record of the final response; nil when the server sent nothing back.
    package var responseStart: Timestamp?
    /// The last record of the response.
    package var responseEnd: Timestamp?
    package var requestRecords = 0
    package var responseRecords = 0
    /// Plaintext bytes of the request (one value for AEAD suites, a range for CBC).
    package var requestBytes: ClosedRange<Int> = 0...0
    /// Plaintext bytes of the response, interim responses included.
    package var responseBytes: ClosedRange<Int> = 0...0
    /// Record bytes on the wire, 5-byte headers included.
    package var requestRecordBytes = 0
    package var responseRecordBytes = 0
    /// Server records of exactly the size of `HTTP/1.1 100 Continue` between request records.
    package var interimResponses = 0
    /// TLS 1.3 session ticket records the server sent while this request was under way (not counted).
    package var ticketRecords = 0
    /// Every record's plaintext length was exact (AEAD suites).
    package var sizesExact = true
    /// The protection of the request's first record, which says how sizes were reckoned.
    package var protection: TLSRecordProtection?
    /// What the record layer could not settle: a cut response, a lost direction, no answer.
    package var notes: [String] = []

    package init(sequence: Int, requestStart: Timestamp) {
        self.sequence = sequence
        self.requestStart = requestStart
        self.requestEnd = requestStart
    }

    /// The first record of the exchange.
    package var start: Timestamp { requestStart }
    /// The last record of the exchange.
    package var end: Timestamp { max(requestEnd, responseEnd ?? requestEnd) }
    package var hasResponse: Bool { responseRecords > 0 }

    mutating func addRequest(_ record: TLSRecordSighting, protection: TLSRecordProtection) {
        if requestRecords == 0 {
            requestStart = record.time
            self.protection = protection
        }
        requestEnd = record.time
        requestRecords &+= 1
        requestRecordBytes &+= 5 &+ record.length
        requestBytes = Self.sum(requestBytes, protection.plaintextLength(ofRecord: record.length))
        if !protection.isExact { sizesExact = false }
    }

    mutating func addResponse(_ record: TLSRecordSighting, protection: TLSRecordProtection) {
        if responseStart == nil { responseStart = record.time }
        responseEnd = record.time
        responseRecordBytes &+= 5 &+ record.length
        responseBytes = Self.sum(responseBytes, protection.plaintextLength(ofRecord: record.length))
        responseRecords &+= 1
        if !protection.isExact { sizesExact = false }
    }

    private static func sum(_ a: ClosedRange<Int>, _ b: ClosedRange<Int>) -> ClosedRange<Int> {
        (a.lowerBound &+ b.lowerBound)...(a.upperBound &+ b.upperBound)
    }
}
