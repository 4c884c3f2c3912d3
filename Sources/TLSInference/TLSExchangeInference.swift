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
/// TLS 1.3 hides which protected records are tickets. A server sends them as the first records
/// after the client's Finished, each alone in a record of one size, back to back (OpenSSL: two
/// for a full handshake, one on resumption), and often after the first request has arrived (in
/// the test bed, haproxy sent them up to 13 ms after the Finished). Such a run is held until what
/// follows settles it: two or more alike, or any before the first request, are tickets; a single
/// record after the request is a ticket only if the server's next records come in a later flight;
/// and held records that turn out to be all the server said in answer are its response.
///
/// Feed it the decoder's `TLSRecordLayerEvent`s in order; each call returns the exchanges it
/// completed (an exchange is complete when the next request starts or the connection closes).
/// As soon as a record is decrypted with a key, the connection's decoded exchanges stand and this
/// returns nothing more. It keeps one exchange, at most 8 held records and a few counters.
///
/// ```swift
/// var inference = TLSExchangeInference()
/// decoder.onRecordLayerEvent = { event in
///     for exchange in inference.consume(event) { print(exchange.requestStart, exchange.requestBytes) }
/// }
/// ```
package struct TLSExchangeInference: Sendable {
    package struct Configuration: Sendable {
        /// Records one write produced (a ticket run, the pieces of one response) leave within
        /// this many nanoseconds of each other; a longer pause starts another flight.
        package var flightGap: Int64 = 1_000_000
        /// Larger server records are never taken for tickets.
        package var largestTicket = 4096
        /// No HTTP/1.1 request is shorter (`GET / HTTP/1.1\r\nHost: a\r\n\r\n` is 27 bytes): a
        /// shorter record cannot open one (it is an alert or a KeyUpdate).
        package var smallestRequest = 16
        /// The most plaintext a record carries (2^14): a response that ends on such a record when
        /// the connection closes may have been cut.
        package var fullRecord = 16_384
        package init() {}
    }

    /// What the record layer carried besides requests and responses, for the evidence.
    package struct Counts: Sendable, Hashable {
        package var handshakeRecords = 0
        package var ticketRecords = 0
        /// Alerts, and TLS 1.3 records of close_notify's size ending a direction.
        package var alertRecords = 0
        package var changeCipherSpecRecords = 0
        /// Client records too short to open a request (KeyUpdate-sized) and server records sent
        /// when no request was open.
        package var strayRecords = 0
        package init() {}
    }

    typealias HeldRecord = (record: TLSRecordSighting, protection: TLSRecordProtection)

    package let configuration: Configuration
    /// A record was opened with a key: the decoded exchanges stand.
    package private(set) var isDecrypted = false
    /// The record layer of a direction was lost (gap): nothing after it is inferred.
    package private(set) var isLost = false
    package internal(set) var counts = Counts()

    var current: InferredExchange?
    private var nextSequence = 0
    /// TLS 1.3: the client's Finished was seen (its first protected record of that size).
    private var clientFinished = false
    private var clientHandshakeRecords = 0
    /// TLS 1.3: the first server records after the client's Finished are not settled yet.
    var ticketsPossible = true
    /// The run of alike server records that may be session tickets.
    var ticketRun: [HeldRecord] = []
    /// The run began before any request was open: tickets beyond doubt.
    var ticketRunBeforeRequest = false
    /// A TLS 1.3 server record of close_notify's size: an alert if nothing follows it.
    private var heldServerRecord: HeldRecord?
    var lastResponsePlaintext = 0
    /// The server sent an alert (close_notify, as a rule): what it sent before was whole.
    private var serverAlerted = false

    package init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Takes the next event of the connection; returns the exchanges it completed.
    package mutating func consume(_ event: TLSRecordLayerEvent) -> [InferredExchange] {
        guard !isDecrypted else { return [] }
        switch event {
        case .record(let record):
            if record.decrypted {
                isDecrypted = true
                current = nil
                ticketRun = []
                return []
            }
            guard !isLost else { return [] }
            return take(record)
        case .lost(let direction, let time):
            guard !isLost else { return [] }
            isLost = true
            guard var exchange = completed() else { return [] }
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

    private enum Role { case handshake, changeCipherSpec, alert, ticketCandidate, application, other }

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
        case .ticketCandidate: holdTicketCandidate(record, protection)
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
            guard !clientFinished else { return .application }
            clientHandshakeRecords &+= 1
            if record.length == 4 &+ hash &+ 1 &+ tag || clientHandshakeRecords >= 4 { clientFinished = true }
            return .handshake
        }
        guard clientFinished else { return .handshake }
        return ticketsPossible ? .ticketCandidate : .application
    }

    private mutating func clientData(_ record: TLSRecordSighting, _ protection: TLSRecordProtection) -> [InferredExchange] {
        if var exchange = current, !exchange.hasResponse, !heldRunAnswered(exchange, before: record) {
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
        let done = completed()
        var exchange = InferredExchange(sequence: nextSequence, requestStart: record.time)
        nextSequence &+= 1
        exchange.addRequest(record, protection: protection)
        current = exchange
        return done.map { [$0] } ?? []
    }

    mutating func serverData(_ record: TLSRecordSighting, _ protection: TLSRecordProtection) -> [InferredExchange] {
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

    private mutating func releaseHeldRecord(into exchange: inout InferredExchange) {
        guard let (record, protection) = heldServerRecord else { return }
        heldServerRecord = nil
        exchange.addResponse(record, protection: protection)
        lastResponsePlaintext = 2
    }

    /// Takes the open exchange out, settled: a held ticket-like run that was all the server
    /// said after the request becomes its response.
    private mutating func completed() -> InferredExchange? {
        guard let exchange = current else { return nil }
        if !ticketRun.isEmpty { settleTicketRun(asTickets: ticketRunBeforeRequest || exchange.hasResponse) }
        defer { current = nil }
        return current
    }

    private mutating func close(reason: CloseReason) -> [InferredExchange] {
        if heldServerRecord != nil {
            heldServerRecord = nil
            counts.alertRecords &+= 1
            serverAlerted = true
        }
        if current == nil, !ticketRun.isEmpty { settleTicketRun(asTickets: true) }
        guard !isLost, var exchange = completed() else { return [] }
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
