import CaptureIO
import HTTPDecoding

// The byte form of an HTTP fact (read back by `HTTPFact.decode`), written in two passes over one
// description of the layout: the first adds up its size, the second stores each field straight
// into that many bytes reserved at the end of the spill buffer. Appended field by field (a
// capacity and uniqueness check, and a copy of each string to reach its bytes, per field), the
// fact's sixty-odd fields cost as much as parsing its request head (issue 25: 300,000 API calls).
// Fixed-width little-endian integers and length-prefixed UTF-8, as `SpillCoding` writes them.

/// Where `HTTPFact.write(to:)` sends the fields of a fact, in layout order.
protocol SpillFieldSink {
    mutating func int(_ value: Int64)
    mutating func byte(_ value: UInt8)
    mutating func string(_ text: String)
}

extension SpillFieldSink {
    mutating func optionalInt(_ value: Int64?) {
        guard let value else { return byte(0) }
        byte(1)
        int(value)
    }

    mutating func optionalString(_ text: String?) {
        guard let text else { return byte(0) }
        byte(1)
        string(text)
    }

    mutating func strings(_ texts: [String]) {
        int(Int64(texts.count))
        for text in texts { string(text) }
    }
}

/// Adds up the bytes of the fields it is given.
struct SpillFieldCount: SpillFieldSink {
    var count = 0
    mutating func int(_ value: Int64) { count &+= 8 }
    mutating func byte(_ value: UInt8) { count &+= 1 }
    mutating func string(_ text: String) { count &+= 4 &+ text.utf8.count }
}

/// Stores the fields it is given from `next` on; the caller reserved their count of bytes.
struct SpillFieldStore: SpillFieldSink {
    var next: UnsafeMutableRawPointer

    mutating func int(_ value: Int64) {
        next.storeBytes(of: value.littleEndian, as: Int64.self)
        next += 8
    }

    mutating func byte(_ value: UInt8) {
        next.storeBytes(of: value, as: UInt8.self)
        next += 1
    }

    mutating func string(_ text: String) {
        // Read in place: `withUTF8` needs a mutable copy of the string (a retain and a release
        // for each of a fact's dozen strings); only a string without contiguous UTF-8 takes it.
        if text.utf8.withContiguousStorageIfAvailable({ store(UnsafeRawBufferPointer($0)) }) == nil {
            var text = text
            text.withUTF8 { store(UnsafeRawBufferPointer($0)) }
        }
    }

    private mutating func store(_ utf8: UnsafeRawBufferPointer) {
        next.storeBytes(of: UInt32(truncatingIfNeeded: utf8.count).littleEndian, as: UInt32.self)
        next += 4
        if let base = utf8.baseAddress, !utf8.isEmpty {
            next.copyMemory(from: base, byteCount: utf8.count)
            next += utf8.count
        }
    }
}

extension HTTPFact {
    /// Appends the fact's byte form to `out`.
    static func encodeFields(_ fact: borrowing HTTPFact, into out: inout [UInt8]) {
        var size = SpillFieldCount()
        fact.write(to: &size)
        let start = out.count
        out.appendZeros(size.count)
        out.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var store = SpillFieldStore(next: base + start)
            fact.write(to: &store)
            assert(store.next == base + start + size.count, "HTTP fact layout: size and fields disagree")
        }
    }

    /// The fields in layout order (the order `HTTPFact.decode` reads them).
    func write<Sink: SpillFieldSink>(to sink: inout Sink) {
        HTTPFact.writeLayout(
            to: &sink, time: time, end: end, connection: connection, client: client, server: server, service: service,
            operation: operation, method: method, path: path, status: status, imageID: imageID, imageName: imageName,
            reportedStatus: reportedStatus, reportedFields: reportedFields, requestEnd: requestEnd, requestBytes: requestBytes,
            flags: HTTPFact.flags(requestComplete: requestComplete, tls: tls, inferred: inferred,
                                  requestStreamEndedInBody: requestStreamEndedInBody),
            tokenFingerprint: tokenFingerprint, subjectTokenFingerprint: subjectTokenFingerprint, requestID: requestID,
            responseBytes: responseBytes, notes: notes, requestWireBytes: requestWireBytes, evidence: evidence,
            minimumBytes: minimumBytes, query: query, transfer: transfer, proxyEvidence: proxyEvidence,
            bytesNotCaptured: bytesNotCaptured, requestBytesNotCaptured: requestBytesNotCaptured,
            tokenIssuedAt: tokenIssuedAt, messages: messages)
    }

    static func flags(requestComplete: Bool, tls: Bool, inferred: Bool, requestStreamEndedInBody: Bool) -> UInt8 {
        (requestComplete ? 1 : 0) | (tls ? 2 : 0) | (inferred ? 4 : 0) | (requestStreamEndedInBody ? 8 : 0)
    }

    /// The one layout of a fact's bytes, from values borrowed wherever they are: a fact's
    /// members (`write(to:)`), or an exchange and its call (`encodeFields(exchange:call:...)`).
    @inline(__always)
    static func writeLayout<Sink: SpillFieldSink>(
        to sink: inout Sink, time: Timestamp, end: Timestamp, connection: Int, client: String, server: String,
        service: String, operation: OpenStackOperation, method: String, path: String, status: Int?, imageID: String?,
        imageName: String?, reportedStatus: String?, reportedFields: [String: String], requestEnd: Timestamp?,
        requestBytes: Int, flags: UInt8, tokenFingerprint: String?, subjectTokenFingerprint: String?, requestID: String?,
        responseBytes: Int, notes: [String], requestWireBytes: Int, evidence: [String],
        minimumBytes: (request: Int, response: Int)?, query: String?, transfer: borrowing HTTPTransferFacts,
        proxyEvidence: borrowing HTTPProxyEvidence, bytesNotCaptured: Int, requestBytesNotCaptured: Int,
        tokenIssuedAt: String?, messages: HTTPMessageTexts?
    ) {
        sink.int(time.nanoseconds)
        sink.int(end.nanoseconds)
        sink.int(Int64(connection))
        sink.string(client)
        sink.string(server)
        sink.string(service)
        sink.string(operation.rawValue)
        sink.string(method)
        sink.string(path)
        sink.optionalInt(status.map(Int64.init))
        sink.optionalString(imageID)
        sink.optionalString(imageName)
        sink.optionalString(reportedStatus)
        // In key order, so that equal maps encode alike.
        sink.int(Int64(reportedFields.count))
        if !reportedFields.isEmpty {
            if Sink.self == SpillFieldCount.self {
                for (key, value) in reportedFields {
                    sink.string(key)
                    sink.string(value)
                }
            } else {
                for (key, value) in reportedFields.sorted(by: { $0.key < $1.key }) {
                    sink.string(key)
                    sink.string(value)
                }
            }
        }
        sink.optionalInt(requestEnd.map(\.nanoseconds))
        sink.int(Int64(requestBytes))
        sink.byte(flags)
        sink.optionalString(tokenFingerprint)
        sink.optionalString(subjectTokenFingerprint)
        sink.optionalString(requestID)
        sink.int(Int64(responseBytes))
        sink.strings(notes)
        sink.int(Int64(requestWireBytes))
        sink.strings(evidence)
        sink.optionalInt(minimumBytes.map { Int64($0.request) })
        sink.optionalInt(minimumBytes.map { Int64($0.response) })
        sink.optionalString(query)
        // `HTTPTransferFacts`
        sink.int(Int64(transfer.responseBodyBytes))
        sink.byte(transfer.responseComplete ? 1 : 0)
        sink.optionalString(transfer.etag)
        sink.optionalString(transfer.objectManifest)
        sink.optionalString(transfer.transID)
        // `HTTPProxyEvidence`
        sink.optionalString(proxyEvidence.target)
        sink.optionalString(proxyEvidence.host)
        sink.strings(proxyEvidence.xForwardedFor)
        sink.strings(proxyEvidence.forwarded)
        sink.strings(proxyEvidence.xForwardedProto)
        sink.optionalInt(proxyEvidence.requestWireBytes.map(Int64.init))
        sink.optionalInt(proxyEvidence.responseBodyBytes.map(Int64.init))
        sink.int(Int64(bytesNotCaptured))
        sink.int(Int64(requestBytesNotCaptured))
        sink.optionalString(tokenIssuedAt)
        // Last, so that a reader without use for them stops before them (`decode(_:index:messages:)`).
        sink.byte(messages == nil ? 0 : 1)
        if let messages {
            sink.optionalString(messages.request)
            sink.optionalString(messages.response)
        }
    }
}

// Issue 25: the fact of a decoded exchange written straight from the exchange and its call. Made
// as a value first, the fact retained each of its strings and arrays, was copied and destroyed
// again once encoded: a tenth of `sql`'s CPU on 300,000 API calls, for bytes that a report
// reads back much later, when it reads them at all.
extension HTTPFact {
    /// What a fact of a decoded exchange holds beyond members read as they are: computed once
    /// for both passes of the encoding, and by `init(exchange:call:index:endpointTexts:messageTexts:)`.
    struct ExchangeParts {
        let start: Timestamp
        let end: Timestamp
        let requestBodyNotCaptured: Int
        let requestBytes: Int
        let requestComplete: Bool
        let query: String?
        let notes: [String]
        let requestStreamEndedInBody: Bool
        let transfer: HTTPTransferFacts
        let proxyEvidence: HTTPProxyEvidence

        init(exchange: borrowing HTTPExchange, call: borrowing OpenStackCall) {
            start = exchange.timing.start ?? .zero
            end = exchange.timing.end ?? start
            let count = exchange.request?.body.byteCount ?? 0, missing = exchange.request?.body.missingBytes ?? 0
            requestBodyNotCaptured = exchange.request?.body.bytesNotCaptured ?? 0
            requestBytes = count &+ missing &+ requestBodyNotCaptured
            requestComplete = exchange.request?.isComplete ?? false
            query = exchange.request?.query.map(SecretMask.maskedQuery)
            let anomalies = exchange.anomalies.isEmpty
            notes = anomalies ? [] : exchange.anomalies.map(\.message)
            requestStreamEndedInBody = !anomalies && exchange.anomalies.contains {
                $0.kind == .truncatedMessage && $0.direction == .clientToServer
            }
            transfer = HTTPTransferFacts(exchange: exchange, call: call)
            proxyEvidence = HTTPProxyEvidence(exchange: exchange)
        }
    }

    /// Appends to `out` the bytes `encode(_:into:)` would write for
    /// `HTTPFact(exchange: exchange, call: call, ..., messageTexts: false)`, without making it.
    static func encodeFields(exchange: borrowing HTTPExchange, call: borrowing OpenStackCall, parts: borrowing ExchangeParts,
                             endpointTexts: (client: String, server: String), into out: inout [UInt8]) {
        var size = SpillFieldCount()
        writeFields(exchange: exchange, call: call, parts: parts, endpointTexts: endpointTexts, to: &size)
        let start = out.count
        out.appendZeros(size.count)
        out.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var store = SpillFieldStore(next: base + start)
            writeFields(exchange: exchange, call: call, parts: parts, endpointTexts: endpointTexts, to: &store)
            assert(store.next == base + start + size.count, "HTTP fact layout: size and fields disagree")
        }
    }

    private static func writeFields<Sink: SpillFieldSink>(exchange: borrowing HTTPExchange, call: borrowing OpenStackCall,
                                                          parts: borrowing ExchangeParts,
                                                          endpointTexts: (client: String, server: String), to sink: inout Sink) {
        // Member for member what `init(exchange:call:index:endpointTexts:messageTexts:)` sets.
        writeLayout(
            to: &sink, time: parts.start, end: parts.end, connection: exchange.connection, client: endpointTexts.client,
            server: endpointTexts.server, service: call.service.rawValue, operation: call.operation, method: call.method,
            path: call.path, status: call.status, imageID: call.imageID, imageName: call.imageName,
            reportedStatus: call.imageStatus, reportedFields: call.imageFields, requestEnd: exchange.timing.requestEnd,
            requestBytes: parts.requestBytes,
            flags: flags(requestComplete: parts.requestComplete, tls: exchange.tls, inferred: false,
                         requestStreamEndedInBody: parts.requestStreamEndedInBody),
            tokenFingerprint: call.tokenFingerprint, subjectTokenFingerprint: call.subjectTokenFingerprint,
            requestID: call.requestID, responseBytes: exchange.responseWireBytes, notes: parts.notes,
            requestWireBytes: exchange.requestWireBytes, evidence: [], minimumBytes: nil, query: parts.query,
            transfer: parts.transfer, proxyEvidence: parts.proxyEvidence, bytesNotCaptured: exchange.bytesNotCaptured,
            requestBytesNotCaptured: parts.requestBodyNotCaptured, tokenIssuedAt: call.tokenIssuedAt, messages: nil)
    }
}

extension Array where Element == UInt8 {
    /// Bytes of a zeroed page, copied in (a repeated element was appended one byte at a time).
    private static let zeroPage = [UInt8](repeating: 0, count: 4096)

    /// Appends `count` zero bytes, which the caller then overwrites in place.
    mutating func appendZeros(_ count: Int) {
        var left = count
        Self.zeroPage.withUnsafeBufferPointer { zeros in
            while left > 0 {
                let n = Swift.min(left, zeros.count)
                append(contentsOf: UnsafeBufferPointer(rebasing: zeros[0..<n]))
                left &-= n
            }
        }
    }
}
