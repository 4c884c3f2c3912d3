import Timeline
import Reassembly

/// The report's one line about connections closed early by the memory budget or the half-open
/// timeout (issue 19): how many, why, and what their decoders held. Nothing on a normal capture.
enum ShedReport {
    static func line(_ shedding: ConnectionShedding, facts: ShedFacts, budgetBytes: Int,
                     configuration: TCPReassembler.Configuration) -> String? {
        guard !shedding.isEmpty else { return nil }
        var parts: [String] = []
        if shedding.evicted > 0 {
            var part = "\(shedding.evicted) connections evicted to keep per-connection state within the "
                + "\(budgetBytes >> 20) MB memory budget (--memory), idle longest first"
            if shedding.evictedActive > 0 {
                part += " (\(shedding.evictedActive) of them seen in the last "
                    + "\(configuration.activeWindowNanoseconds / 1_000_000) ms: no idler connection was left)"
            }
            parts.append(part)
        }
        if shedding.halfOpenTimedOut > 0 {
            parts.append("\(shedding.halfOpenTimedOut) half-open connections (handshake never completed) timed out after "
                + "\(configuration.halfOpenTimeoutNanoseconds / 1_000_000_000) s of capture time without a packet")
        }
        if shedding.halfOpenAtEnd > 0 {
            parts.append("\(shedding.halfOpenAtEnd) half-open connections still open at the end of the capture")
        }
        if shedding.idleTimedOut > 0 {
            parts.append("\(shedding.idleTimedOut) connections timed out after "
                + "\(configuration.idleTimeoutNanoseconds / 1_000_000_000) s of silence")
        }
        if shedding.forgottenClosed > 0 {
            parts.append("\(shedding.forgottenClosed) closed connections forgotten early")
        }
        return "connection flood: " + parts.joined(separator: "; ")
            + "; their \(facts.httpExchanges) pending HTTP exchanges and \(facts.sqlCommands) MySQL commands ended "
            + "incomplete and are counted here, not listed"
    }
}
