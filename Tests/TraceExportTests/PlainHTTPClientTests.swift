import Foundation
import TestSupport
import Testing
@testable import TraceExport

/// glancetrace's own HTTP/1.1 client against a real server on 127.0.0.1 (scripted_receiver.py,
/// Python's socket server, not ours): every way an answer can be framed, the answers the OTLP
/// exporter acts on, and receivers that misbehave.
@Suite(.enabled(if: ScriptedReceiver.python != nil, "python3 is not installed"))
struct PlainHTTPClientTests {
    /// `partial_success { rejected_spans: 3, error_message: "x" }`, what the receiver answers to /length and /chunked.
    static let partialSuccess: [UInt8] = [0x0A, 0x05, 0x08, 0x03, 0x12, 0x01, 0x78]
    static let body = SplitMix64.bytes(100_000, seed: 25)

    static func post(_ receiver: ScriptedReceiver, _ mode: String, timeout: Double = 5, limits: HTTPResponseReader.Limits = .init())
        -> Result<HTTPPostResponse, HTTPPostFailure> {
        guard let endpoint = HTTPEndpoint(receiver.url(mode)) else { return .failure(HTTPPostFailure("bad URL")) }
        let client = PlainHTTPClient(endpoint: endpoint, limits: limits)
        return client.post(body, headers: [("Content-Type", "application/x-protobuf"), ("X-Api-Key", "k1")], timeout: timeout)
    }

    static func outcome(_ result: Result<HTTPPostResponse, HTTPPostFailure>) -> OTLPHTTPTransport.Outcome? {
        guard case .success(let response) = result else { return nil }
        return OTLPHTTPTransport.outcome(of: response, json: false, endpoint: "E")
    }

    @Test func contentLengthAnswerIsReadAndItsPartialSuccessCounted() throws {
        let receiver = try ScriptedReceiver()
        let result = Self.post(receiver, "length")
        #expect(try result.get() == HTTPPostResponse(status: 200, retryAfter: nil, body: Self.partialSuccess))
        #expect(Self.outcome(result) == .delivered(refused: 3))
        let request = try #require(receiver.requests.first)
        #expect(request["method"] as? String == "POST")
        #expect(request["target"] as? String == "/length/v1/traces")
        #expect(request["version"] as? String == "HTTP/1.1")
        #expect(request["body_length"] as? Int == Self.body.count)
        let headers = try #require(request["headers"] as? [String: String])
        #expect(headers["host"] == "127.0.0.1:\(receiver.port)")
        #expect(headers["content-length"] == String(Self.body.count))
        #expect(headers["content-type"] == "application/x-protobuf")
        #expect(headers["x-api-key"] == "k1")
    }

    @Test func chunkedAnswerSentInPiecesIsJoined() throws {
        let receiver = try ScriptedReceiver()
        let result = Self.post(receiver, "chunked")
        #expect(try result.get() == HTTPPostResponse(status: 200, retryAfter: nil, body: Self.partialSuccess))
        #expect(Self.outcome(result) == .delivered(refused: 3))
    }

    @Test func answerFramedByTheCloseIsRead() throws {
        let receiver = try ScriptedReceiver()
        #expect(try Self.post(receiver, "close").get().body == Self.partialSuccess)
    }

    @Test func tooManyRequestsIsRetriedAfterTheReceiversDelay() throws {
        let receiver = try ScriptedReceiver()
        let result = Self.post(receiver, "retry")
        #expect(try result.get().retryAfter == "7")
        #expect(Self.outcome(result) == .retry("E: HTTP 429", after: 7))
        #expect(Self.outcome(Self.post(receiver, "unavailable")) == .retry("E: HTTP 503", after: nil))
    }

    @Test func badRequestDropsTheBatchWithTheReceiversText() throws {
        let receiver = try ScriptedReceiver()
        #expect(Self.outcome(Self.post(receiver, "refuse")) == .refused("E: HTTP 400 bad?request"))
    }

    @Test func receiverClosingInTheMiddleOfItsAnswerIsAFailure() throws {
        let receiver = try ScriptedReceiver()
        guard case .failure(let failure) = Self.post(receiver, "early") else { Issue.record("a cut answer was taken"); return }
        #expect(failure.description.contains("closed the connection in the middle"))
    }

    @Test func silentReceiverCostsTheTimeoutAndNoMore() throws {
        let receiver = try ScriptedReceiver()
        let start = Date()
        guard case .failure(let failure) = Self.post(receiver, "hang", timeout: 0.5) else { Issue.record("an answer from a silent receiver"); return }
        let seconds = Date().timeIntervalSince(start)
        #expect(failure.description.contains("timeout"))
        #expect(seconds >= 0.45 && seconds < 3, "took \(seconds) s")
    }

    @Test func oversizedBodyIsCutAtTheLimitWithoutReadingTheRest() throws {
        let receiver = try ScriptedReceiver()
        let start = Date()
        let result = Self.post(receiver, "huge", limits: .init(body: 1 << 20))
        let response = try result.get()
        #expect(response.status == 200 && response.bodyTruncated && response.body.count == 1 << 20)
        #expect(Date().timeIntervalSince(start) < 5)
        // Taken by the receiver; a cut body says nothing about refusals.
        #expect(Self.outcome(result) == .delivered(refused: 0))
    }

    @Test func oversizedHeadIsAFailure() throws {
        let receiver = try ScriptedReceiver()
        guard case .failure(let failure) = Self.post(receiver, "hugehead") else { Issue.record("a 1 MiB head was taken"); return }
        #expect(failure.description.contains("head over"))
    }

    @Test func refusedConnectionIsAFailureToRetry() throws {
        // A port just closed: nothing listens there.
        let port: Int
        do { port = try ScriptedReceiver().port }
        let endpoint = try #require(HTTPEndpoint(URL(string: "http://127.0.0.1:\(port)/v1/traces")!))
        guard case .failure(let failure) = PlainHTTPClient(endpoint: endpoint).post([1], headers: [], timeout: 2) else {
            Issue.record("posted to a closed port")
            return
        }
        #expect(failure.description.contains("cannot connect"))
    }
}
