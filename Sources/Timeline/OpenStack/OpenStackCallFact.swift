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
        // The exchange is borrowed and read in place, as `OpenStackCall.init` reads it. The fact
        // is made by the memberwise initialiser in one expression: set member by member, it was
        // built aside and copied into `self` (every string and array retained once more).
        let start = exchange.timing.start ?? .zero
        let body = (count: exchange.request?.body.byteCount ?? 0, missing: exchange.request?.body.missingBytes ?? 0,
                    notCaptured: exchange.request?.body.bytesNotCaptured ?? 0)
        // Body gaps are among the anomalies, one per body with its total: no separate note.
        let anomalies = exchange.anomalies.isEmpty
        self.init(index: index, time: start, end: exchange.timing.end ?? start, connection: exchange.connection,
                  client: endpointTexts.client, server: endpointTexts.server, service: call.service.rawValue,
                  operation: call.operation, method: call.method, path: call.path,
                  query: exchange.request?.query.map(SecretMask.maskedQuery), status: call.status,
                  imageID: call.imageID, imageName: call.imageName, reportedStatus: call.imageStatus,
                  reportedFields: call.imageFields, requestEnd: exchange.timing.requestEnd,
                  requestBytes: body.count &+ body.missing &+ body.notCaptured,
                  requestComplete: exchange.request?.isComplete ?? false, uploadDigests: exchange.uploadDigests,
                  tokenFingerprint: call.tokenFingerprint, subjectTokenFingerprint: call.subjectTokenFingerprint,
                  requestID: call.requestID, tokenIssuedAt: call.tokenIssuedAt, responseBytes: exchange.responseWireBytes,
                  tls: exchange.tls, requestWireBytes: exchange.requestWireBytes, inferred: false, evidence: [],
                  minimumBytes: nil, notes: anomalies ? [] : exchange.anomalies.map(\.message),
                  requestStreamEndedInBody: !anomalies && exchange.anomalies.contains {
                      $0.kind == .truncatedMessage && $0.direction == .clientToServer
                  },
                  transfer: HTTPTransferFacts(exchange: exchange, call: call),
                  proxyEvidence: HTTPProxyEvidence(exchange: exchange),
                  messages: messageTexts ? HTTPMessageTexts(exchange: exchange) : nil,
                  bytesNotCaptured: exchange.bytesNotCaptured, requestBytesNotCaptured: body.notCaptured)
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
