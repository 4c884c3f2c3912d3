import CaptureIO
import Reassembly
import TLSDecoding

/// Reads HTTP/1.1 exchanges out of the records of one TLS connection whose keys are missing.
///
/// HTTP/1.1 over TLS alternates: the client writes a request (one or many records: headers,
/// then the body in blocks), the server answers, and only then does the client write the next
/// request on that connection. So a burst of client application records opens an exchange and
/// the server's records that follow are its response; the next client burst opens the next one.
/// What is not a request or a response is left out and counted: handshake records (TLS 1.3's
/// encrypted flight too), TLS 1.3 session tickets, alerts (close_notify) and ChangeCipherSpec.
///
/// Feed it the decoder's `TLSRecordLayerEvent`s in order; each call returns the exchanges it
/// completed (an exchange is complete when the next request starts or the connection closes).
/// As soon as a record is decrypted with a key, the connection's decoded exchanges stand and this
/// returns nothing more. It keeps one exchange and a few counters: no memory grows with the
/// connection.
///
/// ```swift
/// var inference = TLSExchangeInference()
/// decoder.onRecordLayerEvent = { event in
///     for exchange in inference.consume(event) { print(exchange.requestStart, exchange.requestBytes) }
/// }
/// ```
public struct TLSExchangeInference: Sendable {
    public struct Configuration: Sendable {
        /// A TLS 1.3 server sends its session tickets as soon as it reads the client's Finished,
        /// before it can have answered anything: server records within this many nanoseconds of
        /// the client's Finished, of one size, are tickets (OpenSSL sends two alike).
        public var ticketWindow: Int64 = 2_000_000
        /// Larger server records are never taken for tickets.
        public var largestTicket = 4096
        /// No HTTP/1.1 request is shorter (`GET / HTTP/1.1\r\nHost: a\r\n\r\n` is 27 bytes): a
        /// shorter record cannot open one (it is an alert or a KeyUpdate).
        public var smallestRequest = 16
        /// A client that falls silent after its request, gets one ticket-like record back and
        /// writes again this many nanoseconds later got its answer: the record was the response.
        public var quietBeforeNextRequest: Int64 = 1_000_000
        /// The most plaintext a record carries (2^14): a response that ends on such a record when
        /// the connection closes may have been cut.
        public var fullRecord = 16_384
        public init() {}
    }

    /// What the record layer carried besides requests and responses, for the evidence.
    public struct Counts: Sendable, Hashable {
        public var handshakeRecords = 0
        public var ticketRecords = 0
        /// Alerts, and TLS 1.3 records of close_notify's size ending a direction.
        public var alertRecords = 0
        public var changeCipherSpecRecords = 0
        /// Client records too short to open a request (KeyUpdate-sized) and server records sent
        /// when no request was open.
        public var strayRecords = 0
        public init() {}
    }

    public let configuration: Configuration
    /// A record was opened with a key: the decoded exchanges stand.
    public private(set) var isDecrypted = false
    /// The record layer of a direction was lost (gap): nothing after it is inferred.
    public private(set) var isLost = false
    public private(set) var counts = Counts()

    private var current: InferredExchange?
    private var nextSequence = 0
    /// TLS 1.3: when the client's Finished went (its first protected record of that size).
    private var clientFinished: Timestamp?
    private var clientHandshakeRecords = 0
    /// TLS 1.3: server records may still be session tickets.
    private var ticketsPossible = true
    private var ticketLength: Int?
    /// A ticket came before any request: later records of its size are tickets beyond doubt.
    private var ticketBeforeRequest = false
    /// A TLS 1.3 server record of close_notify's size: an alert if nothing follows it.
    private var heldServerRecord: (record: TLSRecordSighting, protection: TLSRecordProtection)?
    private var lastResponsePlaintext = 0
    /// Ticket-like records taken while the open request waited (at most 4): the response after
    /// all, if no other answer comes (a server that sends no tickets and answers at once).
    private var ticketsDuringRequest: [(record: TLSRecordSighting, protection: TLSRecordProtection)] = []
    /// The server sent an alert (close_notify, as a rule): what it sent before was whole.
    private var serverAlerted = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Takes the next event of the connection; returns the exchanges it completed.
    public mutating func consume(_ event: TLSRecordLayerEvent) -> [InferredExchange] {
        guard !isDecrypted else { return [] }
        switch event {
        case .record(let record):
            if record.decrypted {
                isDecrypted = true
                current = nil
                return []
            }
            guard !isLost else { return [] }
            return take(record)
        case .lost(let direction, let time):
            guard !isLost else { return [] }
            isLost = true
            guard let open = current else { return [] }
            current = nil
            var exchange = finished(open)
            exchange.notes.append("the \(direction == .clientToServer ? "client" : "server") stream lost bytes at "
                                  + "\(time.rfc3339()): record boundaries are gone, the rest of the connection is not inferred")
            return [exchange]
        case .finished:
            return []
        case .closed(let reason, _):
            return close(reason: reason)
        }
    }

    // MARK: Records

    private enum Role { case handshake, changeCipherSpec, alert, ticket, application, other }

    private mutating func take(_ record: TLSRecordSighting) -> [InferredExchange] {
        // Application data before any protection was seen: the handshake is not in the capture.
        let protection: TLSRecordProtection = record.protection == .none && record.contentType == 23 ? .unknown : record.protection
        switch role(of: record, protection: protection) {
        case .handshake: counts.handshakeRecords &+= 1
        case .changeCipherSpec: counts.changeCipherSpecRecords &+= 1
        case .alert:
            counts.alertRecords &+= 1
            if record.direction == .serverToClient { serverAlerted = true }
        case .other: counts.strayRecords &+= 1
        case .ticket:
            counts.ticketRecords &+= 1
            if current != nil {
                current?.ticketRecords &+= 1
                if ticketsDuringRequest.count < 4 { ticketsDuringRequest.append((record, protection)) }
            }
        case .application:
            return record.direction == .clientToServer ? clientData(record, protection) : serverData(record, protection)
        }
        return []
    }

    private mutating func role(of record: TLSRecordSighting, protection: TLSRecordProtection) -> Role {
        switch record.contentType {
        case 20: return .changeCipherSpec
        case 21: return .alert
        case 22: return .handshake
        case 23: break
        default: return .other
        }
        guard case .tls13(let tag, let hash) = protection else { return .application }
        // TLS 1.3 hides the real content type: everything the server protects before the client's
        // Finished is its handshake flight, and the client's first protected record is its Finished
        // (4-byte header and a hash-sized MAC; with client certificates, a few records end in it).
        if record.direction == .clientToServer {
            guard clientFinished == nil else { return .application }
            clientHandshakeRecords &+= 1
            if record.length == 4 &+ hash &+ 1 &+ tag || clientHandshakeRecords >= 4 { clientFinished = record.time }
            return .handshake
        }
        guard let finished = clientFinished else { return .handshake }
        guard ticketsPossible else { return .application }
        let plaintext = protection.plaintextLength(ofRecord: record.length).upperBound
        let plausible = plaintext >= 16 && plaintext <= configuration.largestTicket
        // Before any request nothing can be a response; once one is open, only records of the
        // first ticket's size sent right after the Finished are.
        if current == nil {
            guard plausible else { return .other }
            ticketLength = ticketLength ?? plaintext
            ticketBeforeRequest = true
            return .ticket
        }
        if plausible, record.time.nanoseconds(since: finished) <= configuration.ticketWindow,
           ticketLength == nil || ticketLength == plaintext {
            ticketLength = plaintext
            return .ticket
        }
        ticketsPossible = false
        return .application
    }

    private mutating func clientData(_ record: TLSRecordSighting, _ protection: TLSRecordProtection) -> [InferredExchange] {
        if var exchange = current, !exchange.hasResponse, !answeredByTicketSizedRecords(exchange, before: record) {
            exchange.addRequest(record, protection: protection)
            current = exchange
            return []
        }
        if var exchange = current, exchange.responseRecords == 1, exchange.interimResponses == 0,
           exchange.responseBytes == 25...25, heldServerRecord == nil {
            // `HTTP/1.1 100 Continue\r\n\r\n` is 25 bytes: the body follows the interim answer.
            exchange.interimResponses = 1
            exchange.responseRecords = 0
            exchange.responseStart = nil
            exchange.responseEnd = nil
            exchange.addRequest(record, protection: protection)
            current = exchange
            return []
        }
        let plaintext = protection.plaintextLength(ofRecord: record.length)
        if protection != .unknown, plaintext.upperBound < configuration.smallestRequest {
            // close_notify (2 bytes) or KeyUpdate (5): not a request.
            if plaintext.upperBound == 2 { counts.alertRecords &+= 1 } else { counts.strayRecords &+= 1 }
            return []
        }
        var completed: [InferredExchange] = []
        if var exchange = current {
            releaseHeldRecord(into: &exchange)
            completed.append(finished(exchange))
        }
        var exchange = InferredExchange(sequence: nextSequence, requestStart: record.time)
        nextSequence &+= 1
        exchange.addRequest(record, protection: protection)
        current = exchange
        return completed
    }

    private mutating func serverData(_ record: TLSRecordSighting, _ protection: TLSRecordProtection) -> [InferredExchange] {
        guard var exchange = current else {
            counts.strayRecords &+= 1
            return []
        }
        releaseHeldRecord(into: &exchange)
        if case .tls13 = protection, protection.plaintextLength(ofRecord: record.length) == 2...2 {
            // close_notify's size: hold it until something follows (then it was data).
            heldServerRecord = (record, protection)
            current = exchange
            return []
        }
        exchange.addResponse(record, protection: protection)
        lastResponsePlaintext = protection.plaintextLength(ofRecord: record.length).upperBound
        current = exchange
        return []
    }

    /// No ticket came before the request, the client fell silent, the server sent ticket-sized
    /// records only, and the client writes again after a pause: those records were its answer.
    private func answeredByTicketSizedRecords(_ exchange: InferredExchange, before record: TLSRecordSighting) -> Bool {
        guard !ticketBeforeRequest, let first = ticketsDuringRequest.first, let last = ticketsDuringRequest.last else { return false }
        return exchange.requestEnd < first.record.time
            && record.time.nanoseconds(since: last.record.time) >= configuration.quietBeforeNextRequest
    }

    /// The exchange as it is reported: tickets that were its only answer become its response.
    private mutating func finished(_ exchange: InferredExchange) -> InferredExchange {
        defer { ticketsDuringRequest = [] }
        guard !exchange.hasResponse, !ticketsDuringRequest.isEmpty else { return exchange }
        var answered = exchange
        for (record, protection) in ticketsDuringRequest {
            answered.addResponse(record, protection: protection)
            lastResponsePlaintext = protection.plaintextLength(ofRecord: record.length).upperBound
        }
        answered.ticketRecords &-= ticketsDuringRequest.count
        counts.ticketRecords &-= ticketsDuringRequest.count
        return answered
    }

    private mutating func releaseHeldRecord(into exchange: inout InferredExchange) {
        guard let (record, protection) = heldServerRecord else { return }
        heldServerRecord = nil
        exchange.addResponse(record, protection: protection)
        lastResponsePlaintext = 2
    }

    private mutating func close(reason: CloseReason) -> [InferredExchange] {
        if heldServerRecord != nil {
            heldServerRecord = nil
            counts.alertRecords &+= 1
            serverAlerted = true
        }
        guard let open = current, !isLost else { return [] }
        current = nil
        var exchange = finished(open)
        if !exchange.hasResponse {
            exchange.notes.append("no response before the connection ended (\(reason.rawValue))")
        } else if !serverAlerted, lastResponsePlaintext >= configuration.fullRecord {
            // A response rarely ends exactly on a full record; a server that finished its answer
            // and closes says close_notify first.
            exchange.notes.append("the connection ended (\(reason.rawValue)) right after a full record, without "
                                  + "close_notify: the response may be cut short")
        }
        return [exchange]
    }
}
