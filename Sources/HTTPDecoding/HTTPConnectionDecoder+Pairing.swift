import CaptureIO
import Reassembly

/// Pairing a response with its request by TCP evidence, not only by order.
///
/// Order alone breaks at the first loss: a response whose head a gap swallowed leaves its
/// request waiting, the next response is given to it, and every later pair shifts by one. The
/// acknowledgement numbers tell what each side had received when it sent a message
/// (`StreamPosition`):
///
/// - A response's first segment acknowledges the request bytes the server had received. A
///   request that starts at or after that point had not reached the server, so the response
///   answers a request the capture lacks (lost in a gap, or sent before the capture began).
/// - A request's first segment acknowledges the response bytes the client had received. When
///   the next request was sent after the client received server bytes that no response seen
///   accounts for, and the server has that next request by now, the older request's response
///   was in those bytes: the capture lost it. HTTP/1.1 servers send nothing unasked, so those
///   bytes can only be a response (pipelined requests sent before any answer never trigger this).
///
/// Either way one exchange is left without its other half and the rest keep their pairs, as
/// Wireshark's `http.response_in` does for the same captures. Without acknowledgements (bytes fed
/// directly, or decrypted TLS whose record offsets are not the TCP ones) pairing is by order.
extension HTTPConnectionDecoder {
    /// The exchange a response head (final or interim) that began at `position` belongs to.
    func responseTarget(status: Int, position: StreamPosition, at time: Timestamp) -> HTTPPendingExchange {
        if let acknowledged = position.peerAcknowledged {
            skipLostResponses(serverHad: acknowledged, at: time)
            if let oldest = pending.first(where: \.awaitsResponse), let start = oldest.requestPosition?.offset, start >= acknowledged {
                return unrequestedExchange(status: status, before: oldest, at: time,
                                           message: "\(status) response to a request the capture lacks: the server had received "
                                               + "\(max(acknowledged, 0)) request bytes, and the first unanswered request seen starts at byte \(start)")
            }
        }
        if let waiting = pending.first(where: \.awaitsResponse) { return waiting }
        return unrequestedExchange(status: status, before: nil, at: time, message: "\(status) response with no request seen before it")
    }

    /// Marks as answered-but-lost every waiting request whose response the acknowledgements place
    /// in server bytes the capture does not show (see the type's notes).
    private func skipLostResponses(serverHad acknowledged: Int, at time: Timestamp) {
        while let oldestIndex = pending.firstIndex(where: \.awaitsResponse),
              let nextIndex = pending[(oldestIndex + 1)...].firstIndex(where: \.awaitsResponse) {
            let oldest = pending[oldestIndex]
            guard let next = pending[nextIndex].requestPosition, next.offset < acknowledged,
                  let clientHadNext = next.peerAcknowledged, let clientHadOldest = oldest.requestPosition?.peerAcknowledged,
                  clientHadNext > max(clientHadOldest, answeredThrough) else { return }
            oldest.responseLost = true
            oldest.responseEnded = true
            let unseen = clientHadNext - max(clientHadOldest, answeredThrough, 0)
            oldest.anomalies.append(HTTPAnomaly(kind: .requestWithoutResponse, direction: .serverToClient, time: time,
                                                message: "response lost from the capture: the client had received \(unseen) server bytes "
                                                    + "no response seen accounts for before it sent its next request"))
        }
    }

    /// A new exchange for a response whose request is not in the capture, placed before `oldest`
    /// (it answers an earlier request) or at the end.
    private func unrequestedExchange(status: Int, before oldest: HTTPPendingExchange?, at time: Timestamp,
                                     message: String) -> HTTPPendingExchange {
        let exchange = HTTPPendingExchange(sequence: nextSequence)
        nextSequence += 1
        exchange.anomalies.append(HTTPAnomaly(kind: .responseWithoutRequest, direction: .serverToClient, time: time, message: message))
        if let oldest, let index = pending.firstIndex(where: { $0 === oldest }) {
            pending.insert(exchange, at: index)
        } else {
            pending.append(exchange)
        }
        return exchange
    }
}
