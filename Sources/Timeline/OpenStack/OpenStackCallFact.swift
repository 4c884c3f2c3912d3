import CaptureIO
import HTTPDecoding

extension HTTPFact {
    /// The timeline's view of one classified exchange.
    /// - Parameters:
    ///   - index: the exchange's position in the report's `http` array.
    ///   - endpointTexts: `exchange.client` and `exchange.server` as text (made once per connection by the caller).
    ///   - messageTexts: build `messages` (only the HTML report shows them; the analysis's options say).
    package init(exchange: borrowing HTTPExchange, call: OpenStackCall, index: Int, endpointTexts: (client: String, server: String),
                 messageTexts: Bool) {
        // The exchange is borrowed and read in place, as `OpenStackCall.init` reads it. What the
        // fact computes is what the store writes straight from an exchange (`ExchangeParts`),
        // so that both ways give the same fact. The fact is made by the memberwise initialiser
        // in one expression: set member by member, it was built aside and copied into `self`.
        let parts = HTTPFact.ExchangeParts(exchange: exchange, call: call)
        self.init(index: index, time: parts.start, end: parts.end, connection: exchange.connection,
                  client: endpointTexts.client, server: endpointTexts.server, service: call.service.rawValue,
                  operation: call.operation, method: call.method, path: call.path,
                  query: parts.query, status: call.status,
                  imageID: call.imageID, imageName: call.imageName, reportedStatus: call.imageStatus,
                  reportedFields: call.imageFields, requestEnd: exchange.timing.requestEnd,
                  requestBytes: parts.requestBytes,
                  requestComplete: parts.requestComplete, uploadDigests: exchange.uploadDigests,
                  tokenFingerprint: call.tokenFingerprint, subjectTokenFingerprint: call.subjectTokenFingerprint,
                  requestID: call.requestID, tokenIssuedAt: call.tokenIssuedAt, responseBytes: exchange.responseWireBytes,
                  tls: exchange.tls, requestWireBytes: exchange.requestWireBytes, inferred: false, evidence: [],
                  minimumBytes: nil, notes: parts.notes, requestStreamEndedInBody: parts.requestStreamEndedInBody,
                  transfer: parts.transfer, proxyEvidence: parts.proxyEvidence,
                  messages: messageTexts ? HTTPMessageTexts(exchange: exchange) : nil,
                  bytesNotCaptured: exchange.bytesNotCaptured, requestBytesNotCaptured: parts.requestBodyNotCaptured)
    }

    /// Classifies and converts exchanges in order (indices from 0), as `glancetrace http` lists them.
    package static func facts(from exchanges: [HTTPExchange], routes: [OpenStackRoute] = OpenStackRoute.standardTable,
                             ports: OpenStackServicePorts = .standard, messageTexts: Bool = true) -> [HTTPFact] {
        exchanges.enumerated().map { index, exchange in
            HTTPFact(exchange: exchange, call: OpenStackCall(exchange: exchange, routes: routes, ports: ports), index: index,
                     endpointTexts: (exchange.client.description, exchange.server.description), messageTexts: messageTexts)
        }
    }
}
