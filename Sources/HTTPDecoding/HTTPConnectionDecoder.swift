import CaptureIO
import PacketDecoding
import Reassembly

/// Decodes the HTTP/1.x exchanges of one TCP connection from its two reassembled byte streams.
///
/// One instance per connection, registered with the reassembler as its `StreamConsumer`. Each
/// direction runs its own incremental parser; a pairing layer matches responses to requests in
/// order (keep-alive, pipelining, 1xx interim responses) and calls `onExchange` for each exchange
/// once both halves are done, in order. At `close`, exchanges still open are emitted as they are
/// (an unanswered request has `response == nil` and a `request-without-response` anomaly).
///
/// ```swift
/// let reassembler = TCPReassembler { info, firstPayload, direction in
///     HTTPConnectionDecoder(connection: info) { exchange in exchanges.append(exchange) }
/// }
/// ```
package final class HTTPConnectionDecoder: StreamConsumer {
    package let connection: ConnectionInfo
    package let configuration: HTTPDecoderConfiguration
    /// Marks every exchange as carried in TLS (set when feeding decrypted bytes).
    package var tls = false
    /// Called for every connection-level anomaly (not tied to an exchange) as it is found.
    package var onAnomaly: ((HTTPAnomaly) -> Void)?
    /// Connection-level anomalies (resynchronisation, gaps between messages, malformed start
    /// lines), at most `configuration.maxAnomalies`; see `droppedAnomalies`.
    package private(set) var anomalies: [HTTPAnomaly] = []
    /// Anomalies beyond the cap, counted only.
    package private(set) var droppedAnomalies = 0
    /// Told, when the connection is closed early to save memory (`CloseReason.isShedding`), how
    /// many unfinished exchanges it dropped instead of emitting.
    package var onShed: ((Int) -> Void)?
    /// Exchanges emitted so far.
    package private(set) var exchangeCount = 0
    /// Bytes seen after a protocol switch (101, CONNECT), per direction.
    package var tunnelBytes: (clientToServer: Int, serverToClient: Int) { (requestParser.tunnelBytes, responseParser.tunnelBytes) }
    /// True once `close` ran.
    package private(set) var isClosed = false

    private let onExchange: (HTTPExchange) -> Void
    private var requestParser: HTTPStreamParser
    private var responseParser: HTTPStreamParser
    var pending: [HTTPPendingExchange] = []
    private var currentRequest: HTTPPendingExchange?
    private var currentResponse: HTTPPendingExchange?
    private var currentResponseIsInterim = false
    var nextSequence = 0
    /// Stream offset just past the server bytes received so far (see `answeredThrough`).
    var serverChunkEnd = 0
    /// Stream offset up to which server bytes are accounted for by responses seen (the end of
    /// the chunk in which the last one ended): pairing's evidence that later bytes the client
    /// acknowledged were a response the capture lost (`HTTPConnectionDecoder+Pairing`).
    var answeredThrough = Int.min

    /// Creates a decoder for one connection.
    /// - Parameters:
    ///   - connection: the reassembler's identity of the connection; when it did not see the
    ///     handshake, both directions start by looking for a start line.
    ///   - configuration: limits and policies.
    ///   - onExchange: called once per exchange, in order.
    package init(connection: ConnectionInfo, configuration: HTTPDecoderConfiguration = HTTPDecoderConfiguration(),
                onExchange: @escaping (HTTPExchange) -> Void) {
        self.connection = connection
        self.configuration = configuration
        self.onExchange = onExchange
        requestParser = HTTPStreamParser(direction: .clientToServer, maxHeaderBytes: configuration.maxHeaderBytes,
                                         startsInsideStream: !connection.sawHandshake)
        responseParser = HTTPStreamParser(direction: .serverToClient, maxHeaderBytes: configuration.maxHeaderBytes,
                                          startsInsideStream: !connection.sawHandshake)
    }

    // MARK: - StreamConsumer

    package func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        guard !isClosed else { return }
        switch direction {
        case .clientToServer: requestParser.feed(bytes, at: time, delegate: self)
        case .serverToClient:
            serverChunkEnd &+= bytes.count
            responseParser.feed(bytes, at: time, delegate: self)
        }
    }

    /// With the chunk's place in the connection, responses are paired by what their first
    /// segment acknowledged (see `HTTPConnectionDecoder+Pairing`).
    package func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition) {
        guard !isClosed else { return }
        switch direction {
        case .clientToServer: requestParser.feed(bytes, at: time, position: position, delegate: self)
        case .serverToClient:
            serverChunkEnd = position.offset &+ bytes.count
            responseParser.feed(bytes, at: time, position: position, delegate: self)
        }
    }

    package func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        guard !isClosed else { return }
        switch direction {
        case .clientToServer: requestParser.gap(count, at: time, delegate: self)
        case .serverToClient:
            serverChunkEnd &+= count
            responseParser.gap(count, at: time, delegate: self)
        }
    }

    package func notCaptured(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        guard !isClosed else { return }
        switch direction {
        case .clientToServer: requestParser.notCaptured(count, at: time, delegate: self)
        case .serverToClient: responseParser.notCaptured(count, at: time, delegate: self)
        }
    }

    package func finished(direction: FlowDirection, at time: Timestamp) {
        guard !isClosed else { return }
        switch direction {
        case .clientToServer: requestParser.finish(at: time, delegate: self)
        case .serverToClient: responseParser.finish(at: time, delegate: self)
        }
    }

    package func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
        guard !isClosed else { return }
        if reason.isShedding {
            // A flood's connection closed early (memory budget, half-open timeout): its
            // unfinished exchanges are counted, not built, hashed and emitted one by one.
            isClosed = true
            onShed?(pending.count)
            pending.removeAll()
            currentRequest = nil
            currentResponse = nil
            return
        }
        requestParser.finish(at: time, delegate: self)
        responseParser.finish(at: time, delegate: self)
        isClosed = true
        for exchange in pending {
            if !exchange.requestEnded, exchange.hasRequest {
                exchange.end(.clientToServer, at: time, complete: false, wireBytes: 0, maxJSONDepth: configuration.maxJSONDepth)
            }
            if exchange.hasRequest, !exchange.hasFinalResponseHead, !exchange.responseLost {
                exchange.anomalies.append(HTTPAnomaly(kind: .requestWithoutResponse, direction: .clientToServer, time: time,
                                                      message: "no response before the connection ended (\(reason.rawValue))"))
            } else if !exchange.responseEnded {
                exchange.end(.serverToClient, at: time, complete: false, wireBytes: 0, maxJSONDepth: configuration.maxJSONDepth)
            }
            emit(exchange)
        }
        pending.removeAll()
        currentRequest = nil
        currentResponse = nil
    }

    // MARK: - Pairing

    private func emitReady() {
        var emitted = 0
        while emitted < pending.count, pending[emitted].isReady {
            emit(pending[emitted])
            emitted += 1
        }
        // All of them, usually (one exchange at a time): taken off the end, which keeps the
        // storage and shifts nothing (`removeFirst` and `removeAll` go through a generic
        // subrange replacement, a hundredth of an API-heavy run).
        if emitted == pending.count {
            while !pending.isEmpty { pending.removeLast() }
        } else if emitted > 0 {
            pending.removeFirst(emitted)
        }
    }

    func emit(_ pendingExchange: HTTPPendingExchange) {
        exchangeCount += 1
        onExchange(pendingExchange.exchange(connection: connection.index, client: connection.client,
                                            server: connection.server, tls: tls))
    }

    private func report(_ anomaly: HTTPAnomaly) {
        onAnomaly?(anomaly)
        if anomalies.count < configuration.maxAnomalies {
            anomalies.append(anomaly)
        } else {
            droppedAnomalies += 1
        }
    }

    /// `fields` with secret values masked; without secrets, the same array (no copy).
    static func masked(_ fields: consuming [HTTPHeader]) -> [HTTPHeader] {
        // Consumed: the caller's array is this one, changed in place (borrowed, the first
        // masked value copied the whole array).
        var result = fields
        // Through the buffer: `result[i].name` retained and released each field's name.
        result.withUnsafeMutableBufferPointer { fields in
            for i in fields.indices where SecretMask.isSensitiveHeader(fields[i].name) {
                fields[i].value = SecretMask.masked(fields[i].value)
            }
        }
        return result
    }
}

extension HTTPConnectionDecoder: HTTPStreamParserDelegate {
    func parserDidParseHead(_ head: HTTPHead, direction: FlowDirection, startedAt: Timestamp, position: StreamPosition,
                            at time: Timestamp) -> HTTPBodyRule {
        if direction == .clientToServer {
            if pending.count >= configuration.maxPendingExchanges, let oldest = pending.first {
                // A one-sided capture (or a server that never answers) must not grow without bound.
                oldest.anomalies.append(HTTPAnomaly(kind: .tooManyPendingRequests, direction: .clientToServer, time: time,
                                                    message: "more than \(configuration.maxPendingExchanges) requests awaiting responses"))
                if !oldest.requestEnded {
                    oldest.end(.clientToServer, at: time, complete: false, wireBytes: 0, maxJSONDepth: configuration.maxJSONDepth)
                }
                if oldest === currentResponse { currentResponse = nil }
                emit(oldest)
                pending.removeFirst()
            }
            let exchange = HTTPPendingExchange(sequence: nextSequence)
            nextSequence += 1
            // Headers are masked when the exchange is built (`HTTPPendingExchange.exchange`).
            let request = HTTPRequest(method: head.method, target: head.target, version: head.version, headers: [])
            let path = request.path  // split once, with the request: both rules ask for it
            exchange.request = consume request
            exchange.hasRequest = true
            exchange.requestFields = head.fields
            let hashes = configuration.hashesUpload(head.method, path)
            let bodyFields = HTTPBodyCollector.BodyFields(head.fields)
            if !hashes, bodyFields.needNoRequestCollector {
                exchange.requestNeedsNoCollector = true
            } else {
                exchange.requestBody = HTTPBodyCollector(fields: bodyFields, hashes: hashes,
                                                         chain: hashes ? configuration.uploadChain(method: head.method, path: path) : nil,
                                                         keepLimit: configuration.maxKeptBodyBytes)
            }
            exchange.timing.requestStart = startedAt
            exchange.requestPosition = position
            pending.append(exchange)
            currentRequest = exchange
            // Framed here from the fields just read: the parser need not look for them again.
            return bodyFields.framesNoRequestBody ? .noBody : .standard
        }

        let target = responseTarget(status: head.status, position: position, at: startedAt)
        currentResponse = target
        let method = target.request?.method ?? ""
        if head.status >= 100, head.status < 200, head.status != 101 {
            currentResponseIsInterim = true
            target.addInterim(HTTPInterimResponse(status: head.status, reason: head.reason, time: startedAt),
                              keepingAtMost: configuration.maxInterimResponses)
            return .standard
        }
        currentResponseIsInterim = false
        target.hasFinalResponseHead = true
        target.response = HTTPResponse(version: head.version, status: head.status, reason: head.reason, headers: [])
        target.responseFields = head.fields
        target.timing.responseStart = startedAt
        let switches = head.status == 101 || (method == "CONNECT" && head.status >= 200 && head.status < 300)
        if switches {
            target.anomalies.append(HTTPAnomaly(kind: .protocolSwitch, direction: .serverToClient, time: time,
                                                message: "\(head.status) \(head.reason): the connection stops carrying HTTP/1"))
            requestParser.enterTunnel()
            return .tunnel
        }
        // Members read in place (`map` copied the whole request out of its optional).
        var hashes = false, readsText = true
        if let path = target.request?.path {
            hashes = configuration.hashesDownload(method, path, head.status)
            readsText = configuration.readsResponseBody(method, path)
        }
        target.responseBody = HTTPBodyCollector(fields: HTTPBodyCollector.BodyFields(head.fields), hashes: hashes,
                                                keepLimit: configuration.maxKeptBodyBytes, readsText: readsText)
        return method == "HEAD" ? .noBody : .standard
    }

    func parserDidReceiveBody(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection) {
        if direction == .clientToServer {
            currentRequest?.requestBody?.append(bytes)
        } else {
            currentResponse?.responseBody?.append(bytes)
        }
    }

    func parserDidMissBody(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        guard let exchange = direction == .clientToServer ? currentRequest : currentResponse else { return }
        exchange.missBody(count, direction: direction, at: time)
        if direction == .clientToServer {
            exchange.requestBody?.miss(count)
        } else {
            exchange.responseBody?.miss(count)
        }
    }

    func parserDidNotCaptureBody(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        guard let exchange = direction == .clientToServer ? currentRequest : currentResponse else { return }
        exchange.notCaptureBody(count, direction: direction, at: time)
    }

    func parserDidCutHead(capturedBytes: Int, notCaptured: Int, direction: FlowDirection, at time: Timestamp) {
        guard let exchange = direction == .clientToServer ? currentRequest : currentResponse else { return }
        exchange.cutHead(capturedBytes: capturedBytes, notCaptured: notCaptured, direction: direction, at: time)
    }

    func parserDidCountUnframedBody(_ count: Int, direction: FlowDirection) {
        if direction == .clientToServer {
            currentRequest?.requestBody?.countUnframed(count)
        } else {
            currentResponse?.responseBody?.countUnframed(count)
        }
    }

    func parserDidLoseChunkFraming(direction: FlowDirection, at time: Timestamp) {
        (direction == .clientToServer ? currentRequest : currentResponse)?.loseChunkFraming(direction: direction, at: time)
    }

    func parserDidFindChunkFraming(direction: FlowDirection) {
        (direction == .clientToServer ? currentRequest : currentResponse)?.findChunkFraming(direction: direction)
    }

    func parserDidParseTrailers(_ fields: [HTTPHeader], direction: FlowDirection) {
        let masked = HTTPConnectionDecoder.masked(fields)
        if direction == .clientToServer {
            currentRequest?.request?.trailers += masked
        } else {
            currentResponse?.response?.trailers += masked
        }
    }

    func parserDidEndMessage(direction: FlowDirection, at time: Timestamp, complete: Bool, wireBytes: Int) {
        if direction == .clientToServer {
            guard let exchange = currentRequest else { return }
            exchange.end(.clientToServer, at: time, complete: complete, wireBytes: wireBytes, maxJSONDepth: configuration.maxJSONDepth)
            currentRequest = nil
        } else {
            answeredThrough = serverChunkEnd
            guard let exchange = currentResponse else { return }
            if currentResponseIsInterim {
                exchange.responseWireBytes &+= wireBytes
                currentResponseIsInterim = false
            } else {
                exchange.end(.serverToClient, at: time, complete: complete, wireBytes: wireBytes, maxJSONDepth: configuration.maxJSONDepth)
            }
            currentResponse = nil
        }
        emitReady()
    }

    func parserDidReport(_ kind: HTTPAnomaly.Kind, _ message: String, direction: FlowDirection, at time: Timestamp, inMessage: Bool) {
        let anomaly = HTTPAnomaly(kind: kind, direction: direction, time: time, message: message)
        let exchange = direction == .clientToServer ? currentRequest : currentResponse
        if inMessage, let exchange {
            exchange.anomalies.append(anomaly)
        } else {
            report(anomaly)
        }
    }
}
