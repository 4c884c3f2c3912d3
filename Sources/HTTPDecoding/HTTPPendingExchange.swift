import CaptureIO
import PacketDecoding

/// An exchange being assembled by `HTTPConnectionDecoder`: request and response halves arrive
/// separately and may interleave (pipelining), so each half fills in its part here.
final class HTTPPendingExchange {
    let sequence: Int
    var request: HTTPRequest?
    var requestBody: HTTPBodyCollector?
    var requestEnded = false
    var response: HTTPResponse?
    var responseBody: HTTPBodyCollector?
    /// The final (non-1xx) response head was seen.
    var hasFinalResponseHead = false
    var responseEnded = false
    var interim: [HTTPInterimResponse] = []
    var timing = HTTPExchangeTiming()
    var requestWireBytes = 0
    var responseWireBytes = 0
    var gaps = 0
    var missingBytes = 0
    var anomalies: [HTTPAnomaly] = []
    var uploadDigests: UploadDigests?

    init(sequence: Int) {
        self.sequence = sequence
    }

    var isReady: Bool { (request == nil || requestEnded) && responseEnded }

    /// Ends the request half, finishing its body.
    func endRequest(at time: Timestamp, complete: Bool, wireBytes: Int, maxJSONDepth: Int) {
        requestWireBytes &+= wireBytes
        timing.requestEnd = time
        requestEnded = true
        guard var collector = requestBody else { return }
        let (body, digests) = collector.finish(maxJSONDepth: maxJSONDepth)
        requestBody = nil
        note(collector.notes, time: time)
        request?.body = body
        request?.isComplete = complete && body.missingBytes == 0
        uploadDigests = digests
    }

    /// Ends the final response, finishing its body.
    func endResponse(at time: Timestamp, complete: Bool, wireBytes: Int, maxJSONDepth: Int) {
        responseWireBytes &+= wireBytes
        timing.responseEnd = time
        responseEnded = true
        guard var collector = responseBody else { return }
        let (body, _) = collector.finish(maxJSONDepth: maxJSONDepth)
        responseBody = nil
        note(collector.notes, time: time)
        response?.body = body
        response?.isComplete = complete && body.missingBytes == 0
    }

    private func note(_ notes: [String], time: Timestamp) {
        for message in notes {
            anomalies.append(HTTPAnomaly(kind: message.contains("could not be decoded") ? .decompressionFailed : .bodyNotKept,
                                         direction: nil, time: time, message: message))
        }
    }

    func exchange(connection: Int, client: Endpoint, server: Endpoint, tls: Bool) -> HTTPExchange {
        var response = self.response
        response?.interim = interim
        return HTTPExchange(connection: connection, sequence: sequence, client: client, server: server,
                            request: request, response: response, timing: timing,
                            requestWireBytes: requestWireBytes, responseWireBytes: responseWireBytes,
                            gaps: gaps, missingBytes: missingBytes, tls: tls,
                            uploadDigests: uploadDigests, anomalies: anomalies)
    }
}
