import CaptureIO
import PacketDecoding
import Reassembly

/// An exchange being assembled by `HTTPConnectionDecoder`: request and response halves arrive
/// separately and may interleave (pipelining), so each half fills in its part here.
final class HTTPPendingExchange {
    let sequence: Int
    var request: HTTPRequest?
    /// Whether the request head was seen (`request` is set). Tested for every exchange: asking
    /// `request == nil` copied the request out of its optional and destroyed the copy.
    var hasRequest = false
    var requestBody: HTTPBodyCollector?
    /// The request needs no collector (`HTTPBodyCollector.BodyFields.needNoRequestCollector`):
    /// its body is `HTTPBody()`, the one it has from the start.
    var requestNeedsNoCollector = false
    /// Whether such a request was whole, once ended (its `requestEnding` without a body).
    private var bodylessRequestWhole: Bool?
    /// The request's finished body and whether the request was whole (see `end`).
    private var requestEnding: (body: HTTPBody, whole: Bool)?
    /// The final response's, likewise.
    private var responseEnding: (body: HTTPBody, whole: Bool)?
    var requestEnded = false
    var response: HTTPResponse?
    var responseBody: HTTPBodyCollector?
    /// The final (non-1xx) response head was seen.
    var hasFinalResponseHead = false
    /// Where the request head began in the client's stream, and what its segment acknowledged
    /// of the server's: pairing evidence (`HTTPConnectionDecoder+Pairing`).
    var requestPosition: StreamPosition?
    /// TCP evidence shows the response was sent but lost from the capture: no later response
    /// belongs to this exchange.
    var responseLost = false
    /// Still waiting for its final response.
    var awaitsResponse: Bool { !hasFinalResponseHead && !responseLost }
    var responseEnded = false
    var interim: [HTTPInterimResponse] = []
    var timing = HTTPExchangeTiming()
    var requestWireBytes = 0
    var responseWireBytes = 0
    var gaps = 0
    var missingBytes = 0
    /// Bytes of this exchange cut by the snap length, both directions.
    var bytesNotCaptured = 0
    var anomalies: [HTTPAnomaly] = []
    var uploadDigests: UploadDigests?
    var joinedUploadDigests: UploadDigests?
    var downloadDigests: UploadDigests?
    /// The request's and the final response's header fields with their values still in clear:
    /// masked once, when the exchange is built (`exchange(...)`), so that a head whose exchange
    /// is never built (a flood's connection closed early, counted only) costs no SHA-256 and no
    /// second array. They never leave this object unmasked.
    var requestFields: [HTTPHeader] = []
    var responseFields: [HTTPHeader] = []
    /// Per direction (request, response): the body's gaps, `total` their bytes.
    private var bodyGaps = RepeatedAnomalyPair()
    /// Per direction: gaps that took a chunk boundary, `total` the times framing was found again.
    private var chunkFraming = RepeatedAnomalyPair()
    /// Interim responses beyond the kept ones.
    private var droppedInterim = RepeatedAnomaly()
    /// Per direction: body bytes the snap length cut, `total` their bytes.
    private var bodyNotCaptured = RepeatedAnomalyPair()

    /// Occurrences of one kind of anomaly reported as a single one whose message carries the
    /// running figures, and where that one is in `anomalies`.
    private struct RepeatedAnomaly {
        var count = 0
        var total = 0
        var index: Int?
    }

    /// One tally per direction, stored inline: as arrays they were three heap objects made and
    /// freed per request, most never touched.
    private struct RepeatedAnomalyPair {
        var request = RepeatedAnomaly()
        var response = RepeatedAnomaly()

        subscript(side: Int) -> RepeatedAnomaly {
            get { side == 0 ? request : response }
            set { if side == 0 { request = newValue } else { response = newValue } }
        }
    }

    init(sequence: Int) {
        self.sequence = sequence
    }

    var isReady: Bool { (!hasRequest || requestEnded) && responseEnded }

    /// Ends the request half (`.clientToServer`) or the final response, finishing its body.
    func end(_ direction: FlowDirection, at time: Timestamp, complete: Bool, wireBytes: Int, maxJSONDepth: Int) {
        let isRequest = direction == .clientToServer
        if isRequest {
            requestWireBytes &+= wireBytes
            timing.requestEnd = time
            requestEnded = true
        } else {
            responseWireBytes &+= wireBytes
            timing.responseEnd = time
            responseEnded = true
        }
        if isRequest, requestNeedsNoCollector {
            // Ended once, as a collector is taken once.
            requestNeedsNoCollector = false
            bodylessRequestWhole = complete
            return
        }
        // Moved out (a copy of the collector was retained and released for every message).
        guard var collector = isRequest ? Self.take(&requestBody, empty: nil) : Self.take(&responseBody, empty: nil) else { return }
        let (body, digests) = collector.finish(maxJSONDepth: maxJSONDepth)
        for note in collector.notes {
            anomalies.append(HTTPAnomaly(kind: note.kind, direction: nil, time: time, message: note.message))
        }
        let whole = complete && body.missingBytes == 0
        // Kept aside and put into the message when the exchange is built: set through
        // `request?.` here, the whole message was copied out of its optional and back.
        if isRequest {
            requestEnding = (body, whole)
            uploadDigests = digests
            joinedUploadDigests = collector.joinedDigests
        } else {
            responseEnding = (body, whole)
            downloadDigests = digests
        }
    }

    /// Counts `count` bytes lost inside the body going in `direction`.
    ///
    /// All gaps of one body make one anomaly, its message updated: a lossy capture of a
    /// multi-gigabyte upload has hundreds of thousands of them, which as separate notes would
    /// grow memory without bound and bury the exchange's line.
    func missBody(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        gaps &+= 1
        missingBytes &+= count
        let side = direction == .clientToServer ? 0 : 1
        bodyGaps[side].total &+= count
        record(&bodyGaps[side]) { gaps in
            HTTPAnomaly(kind: .gapInBody, direction: direction, time: time,
                        message: "\(gaps.total) bytes missing from the \(side == 0 ? "request" : "response") body"
                            + (gaps.count > 1 ? " in \(gaps.count) gaps" : ""))
        }
    }

    /// Counts `count` body bytes going in `direction` that the snap length cut: one note per body
    /// with the running total, and no loss (the bytes were on the wire).
    func notCaptureBody(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        bytesNotCaptured &+= count
        let side = direction == .clientToServer ? 0 : 1
        let hashed = side == 0 && requestBody?.body.disposition == .hashed
        if side == 0 { requestBody?.notCaptured(count) } else { responseBody?.notCaptured(count) }
        bodyNotCaptured[side].total &+= count
        record(&bodyNotCaptured[side]) { cut in
            HTTPAnomaly(kind: .bodyNotCaptured, direction: direction, time: time,
                        message: "\(side == 0 ? "request" : "response") body not captured (snap length): \(cut.total) bytes"
                            + (hashed ? "; hashes not verifiable" : ""))
        }
    }

    /// The snap length cut this exchange's head in `direction` after `capturedBytes` bytes.
    func cutHead(capturedBytes: Int, notCaptured: Int, direction: FlowDirection, at time: Timestamp) {
        bytesNotCaptured &+= notCaptured
        let request = direction == .clientToServer
        if request { requestBody?.voidContent() } else { responseBody?.voidContent() }
        let hashed = request && requestBody?.body.disposition == .hashed
        anomalies.append(HTTPAnomaly(kind: .headNotCaptured, direction: direction, time: time,
                                     message: "\(request ? "request" : "response") head cut by the snap length after \(capturedBytes) bytes: "
                                        + "later headers and the message's size not captured" + (hashed ? "; hashes not verifiable" : "")))
    }

    /// Keeps an interim (1xx) response, or only counts it past `limit`: a server (or a forged
    /// capture) repeating `100 Continue` must not grow the exchange without bound.
    func addInterim(_ response: HTTPInterimResponse, keepingAtMost limit: Int) {
        guard interim.count >= limit else {
            interim.append(response)
            return
        }
        record(&droppedInterim) { dropped in
            HTTPAnomaly(kind: .tooManyInterimResponses, direction: .serverToClient, time: response.time,
                        message: "\(dropped.count) more interim (1xx) responses after \(limit), not kept")
        }
    }

    /// A gap in the body going in `direction` took a chunk boundary with it.
    func loseChunkFraming(direction: FlowDirection, at time: Timestamp) {
        let side = direction == .clientToServer ? 0 : 1
        record(&chunkFraming[side]) { framing in
            HTTPAnomaly(kind: .chunkFramingLost, direction: direction, time: time,
                        message: HTTPPendingExchange.chunkFramingMessage(framing, request: side == 0))
        }
    }

    /// A chunk-size line after a gap restored the framing of the body going in `direction`.
    func findChunkFraming(direction: FlowDirection) {
        let side = direction == .clientToServer ? 0 : 1
        chunkFraming[side].total &+= 1
        guard let index = chunkFraming[side].index else { return }
        anomalies[index].message = HTTPPendingExchange.chunkFramingMessage(chunkFraming[side], request: side == 0)
    }

    private static func chunkFramingMessage(_ framing: RepeatedAnomaly, request: Bool) -> String {
        let lost = framing.count == 1 ? "at a gap" : "at \(framing.count) gaps"
        let found = framing.total == framing.count ? (framing.count == 1 ? "found again" : "found again each time")
            : framing.total == 0 ? "not found again" : "found again \(framing.total) times"
        return "chunk framing of the \(request ? "request" : "response") body lost \(lost), \(found); "
            + "body bytes without framing counted as received"
    }

    /// Counts one more occurrence: the first appends the anomaly `make` builds from the running
    /// figures, later ones only rewrite its message.
    private func record(_ tally: inout RepeatedAnomaly, _ make: (RepeatedAnomaly) -> HTTPAnomaly) {
        tally.count &+= 1
        let anomaly = make(tally)
        if let index = tally.index {
            anomalies[index].message = anomaly.message
        } else {
            tally.index = anomalies.count
            anomalies.append(anomaly)
        }
    }

    /// The finished exchange, its headers masked. Its halves are moved out (the pending exchange
    /// is done once emitted): no copy of each string and array, retained and released again.
    /// (`anomalies` stays: a tally may still rewrite one of its messages by index.)
    func exchange(connection: Int, client: Endpoint, server: Endpoint, tls: Bool) -> HTTPExchange {
        // Each message is moved out of this object and finished in place in a local: changed
        // through `self.request?.`, the whole request was copied out of its optional and back;
        // bound by `if var`, each message was copied into the exchange (every string and array
        // retained) and the binding destroyed. Whether there is one, its case says (`!= nil`
        // copies an optional whose value is not Equatable, and `?.` on each member cost more),
        // and the `!` below it rests on that test of the same local, nothing between.
        var request = Self.take(&self.request, empty: nil)
        if case .some = request {
            request!.headers = HTTPConnectionDecoder.masked(Self.take(&requestFields))
            if let ending = Self.take(&requestEnding, empty: nil) {
                request!.body = ending.body
                request!.isComplete = ending.whole
            } else if let whole = bodylessRequestWhole {
                request!.isComplete = whole
            }
        }
        var response = Self.take(&self.response, empty: nil)
        if case .some = response {
            response!.headers = HTTPConnectionDecoder.masked(Self.take(&responseFields))
            if let ending = Self.take(&responseEnding, empty: nil) {
                response!.body = ending.body
                response!.isComplete = ending.whole
            }
            response!.interim = Self.take(&interim)
        }
        // Built whole in the return slot: set afterwards, its members made a copy of it. The
        // finished messages are moved into it out of their locals: passed as they are, each was
        // copied (every string and array retained) and the local destroyed after (`consume`
        // does not compile on a local changed through `!`), 2.6% of `sql`'s instructions on
        // 30,000 API calls.
        return HTTPExchange(connection: connection, sequence: sequence, client: client, server: server,
                            request: Self.take(&request, empty: nil), response: Self.take(&response, empty: nil), timing: timing,
                            requestWireBytes: requestWireBytes, responseWireBytes: responseWireBytes,
                            gaps: gaps, missingBytes: missingBytes, tls: tls,
                            uploadDigests: uploadDigests, anomalies: anomalies, joinedUploadDigests: joinedUploadDigests,
                            downloadDigests: downloadDigests, bytesNotCaptured: bytesNotCaptured)
    }

    /// `value`, leaving `empty` in its place (a swap: `Optional.take()` copied the value here).
    private static func take<Value>(_ value: inout Value, empty: Value) -> Value {
        var taken = empty
        swap(&taken, &value)
        return taken
    }

    private static func take<Element>(_ array: inout [Element]) -> [Element] {
        take(&array, empty: [])
    }
}
