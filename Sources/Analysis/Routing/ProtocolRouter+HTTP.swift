import CaptureIO
import HTTPDecoding
import Reassembly
import TLSDecoding
import TLSInference
import Timeline

// Recording: HTTP exchanges as facts, decoded or inferred from encrypted TLS records.
extension ProtocolRouter {
    /// The HTTP decoder of a connection (plain, or inside TLS).
    func httpDecoder(_ connection: ConnectionInfo, tls: Bool) -> StreamConsumer? {
        let port = connection.server.port
        // What the port says of the service, once per connection rather than per call.
        let portService = OpenStackServicePorts.standard.service(for: port)
        // The endpoints as text, made at the connection's first exchange and kept by its decoder:
        // a keep-alive connection carries thousands of calls (a fiftieth of an API-heavy run when
        // made per exchange), a flood's connections without an exchange never make them.
        var endpointTexts: (client: String, server: String)?
        // Without message texts, a response's body is read only by `OpenStackCall.reading`:
        // the bodies it never reads are not kept.
        var configuration = httpConfiguration
        if !recordsMessageTexts { configuration.readsResponseBody = OpenStackCall.readsResponseBody(portService: portService) }
        let decoder = HTTPConnectionDecoder(connection: connection, configuration: configuration) { [weak self] exchange in
            guard let self else { return }
            if exchange.connection == self.sheddingConnection {
                self.shed.httpExchanges &+= 1
                return
            }
            let texts = endpointTexts ?? (exchange.client.description, exchange.server.description)
            endpointTexts = texts
            // Both read the exchange in place (borrowed): a copy retained every string it holds.
            let call = OpenStackCall.reading(exchange, portService: portService, cache: self.callRoutes)
            if self.onEvent == nil && !self.recordsMessageTexts {
                // Nobody reads the fact now: stored as bytes straight from the exchange and call.
                self.httpFacts.append(exchange: exchange, call: call, endpointTexts: texts)
            } else {
                let fact = HTTPFact(exchange: exchange, call: call, index: self.httpFacts.count, endpointTexts: texts,
                                    messageTexts: self.recordsMessageTexts)
                self.httpFacts.append(fact)
                self.onEvent?(.http(fact))
            }
            // The fact's image, reported status, status and end, as the call and exchange give them.
            if let id = call.imageID, let status = call.imageStatus, let code = call.status, (200..<300).contains(code) {
                let start = exchange.timing.start ?? .zero
                self.announce(id, status, at: exchange.timing.end ?? start, fromSQL: false)
            }
        }
        decoder.tls = tls
        decoder.onShed = { [weak self] count in self?.shed.httpExchanges &+= count }
        return decoder
    }

    /// Without its key, a TLS connection's HTTP exchanges are read from its records (see
    /// `TLSExchangeInference`); with it, the decoded ones stand and nothing is inferred.
    func inferExchanges(of decoder: TLSConnectionDecoder) {
        var inference = TLSExchangeInference()
        // The decoder owns this closure: it is alive whenever the closure runs.
        decoder.onRecordLayerEvent = { [weak self, unowned decoder] event in
            for exchange in inference.consume(event) {
                guard let self else { return }
                let session = decoder.facts
                if session.connection.index == self.sheddingConnection {
                    self.shed.httpExchanges &+= 1
                    continue
                }
                let port = session.connection.server.port
                let httpPort = OpenStackServicePorts.standard.service(for: port) != nil
                    || (self.watchedPorts.contains(port) && !ProtocolRouter.mysqlPorts.contains(port))
                let (inferable, reason) = HTTP1OverTLS.verdict(offeredALPN: session.offeredALPN, negotiatedALPN: session.alpn,
                                                               httpPort: httpPort)
                guard inferable else {
                    self.notInferred[session.connection.index] = "records not read as HTTP/1.1 exchanges: " + reason
                    continue
                }
                var fact = HTTPFact(inferred: exchange, connection: session.connection, session: session,
                                    counts: inference.counts, index: self.httpFacts.count)
                fact.evidence.insert("HTTP/1.1: " + reason, at: min(1, fact.evidence.count))
                self.httpFacts.append(fact)
                self.onEvent?(.http(fact))
            }
        }
    }
}
