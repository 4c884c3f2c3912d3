import CaptureIO
import TLSDecoding

/// TLS 1.3 session tickets: which of the first server records after the client's Finished are
/// NewSessionTicket messages (see the type's documentation for the rules and why).
extension TLSExchangeInference {
    /// The first server records after the client's Finished: held while they may be tickets.
    mutating func holdTicketCandidate(_ record: TLSRecordSighting, _ protection: TLSRecordProtection) {
        let plaintext = protection.plaintextLength(ofRecord: record.length).upperBound
        let plausible = plaintext >= 16 && plaintext <= configuration.largestTicket
        if let last = ticketRun.last {
            let pause = record.time.nanoseconds(since: last.record.time)
            if plausible, plaintext == last.protection.plaintextLength(ofRecord: last.record.length).upperBound,
               ticketRun.count < 8, pause <= configuration.flightGap {
                ticketRun.append((record, protection))
                return
            }
            // Something else came: it settles the run. A lone record followed at once by more
            // was the start of a response; after a pause, the response is a later flight.
            settleTicketRun(asTickets: ticketRunBeforeRequest || ticketRun.count >= 2 || pause > configuration.flightGap)
            _ = serverData(record, protection)
            return
        }
        guard plausible else {
            ticketsPossible = false
            _ = serverData(record, protection)
            return
        }
        ticketRun = [(record, protection)]
        ticketRunBeforeRequest = current == nil
    }

    /// Ends the ticket phase: the held run is counted as tickets, or becomes the open
    /// exchange's response.
    mutating func settleTicketRun(asTickets: Bool) {
        let run = ticketRun
        ticketRun = []
        ticketsPossible = false
        guard let exchange = current, !asTickets else {
            counts.ticketRecords &+= run.count
            if let start = current?.requestStart {
                current?.ticketRecords &+= run.filter { $0.record.time >= start }.count
            }
            return
        }
        var answered = exchange
        for (record, protection) in run {
            answered.addResponse(record, protection: protection)
            lastResponsePlaintext = protection.plaintextLength(ofRecord: record.length).upperBound
        }
        current = answered
    }

    /// A lone ticket-like record came after the whole request, and the client writes again
    /// only after a pause: that record was the answer (a server that sends no tickets).
    func heldRunAnswered(_ exchange: InferredExchange, before record: TLSRecordSighting) -> Bool {
        guard !ticketRunBeforeRequest, ticketRun.count == 1, let held = ticketRun.first else { return false }
        return exchange.requestEnd < held.record.time
            && record.time.nanoseconds(since: held.record.time) >= configuration.flightGap
    }
}
