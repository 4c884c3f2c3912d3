import Foundation
import TestSupport
import Testing
@testable import TraceExport

/// Why the https tests cannot run here, or nil.
let httpsTestMissing: String? = {
    if ScriptedReceiver.python == nil { return "python3 is not installed" }
    if ExternalTool.path("openssl") == nil { return "openssl is not installed (it makes the test certificate)" }
    return CurlHTTPClient.loadProblem().map { "libcurl cannot be loaded here (\($0)): the https path is not tested" }
}()

/// The https path: libcurl loaded at run time, against Python's TLS server on 127.0.0.1 with a
/// self-signed certificate made for the test, trusted through the exporter's CA file.
@Suite(.enabled(if: httpsTestMissing == nil, .init(rawValue: httpsTestMissing ?? "")))
struct CurlHTTPClientTests {

    /// A self-signed certificate for 127.0.0.1, and its key, in `directory`.
    static func certificate(in directory: URL) throws -> (certificate: String, key: String) {
        let certificate = directory.appendingPathComponent("cert.pem").path, key = directory.appendingPathComponent("key.pem").path
        let made = try Command.run(try #require(ExternalTool.path("openssl")), [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ], timeout: 60)
        guard made.status == 0 else { throw ScriptedReceiver.Failure(description: "openssl: \(made.stderr)") }
        return (certificate, key)
    }

    static func post(_ receiver: ScriptedReceiver, _ mode: String, caFile: String?) throws -> Result<HTTPPostResponse, HTTPPostFailure> {
        let endpoint = try #require(HTTPEndpoint(receiver.url(mode, scheme: "https")))
        #expect(endpoint.secure && endpoint.port == receiver.port)
        return CurlHTTPClient(endpoint: endpoint, caFile: caFile).post(PlainHTTPClientTests.body, headers: [("X-Api-Key", "k2")], timeout: 10)
    }

    @Test func httpsReceiverTrustedThroughTheCAFileGetsTheExport() throws {
        let directory = try ProjectPaths.temporaryDirectory("tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tls = try Self.certificate(in: directory)
        let receiver = try ScriptedReceiver(tls: tls)

        let chunked = try Self.post(receiver, "chunked", caFile: tls.certificate)
        #expect(try chunked.get() == HTTPPostResponse(status: 200, retryAfter: nil, body: PlainHTTPClientTests.partialSuccess))
        #expect(PlainHTTPClientTests.outcome(chunked) == .delivered(refused: 3))
        let retry = try Self.post(receiver, "retry", caFile: tls.certificate)
        #expect(PlainHTTPClientTests.outcome(retry) == .retry("E: HTTP 429", after: 7))
        let huge = try Self.post(receiver, "huge", caFile: tls.certificate).get()
        #expect(huge.bodyTruncated && huge.body.count == HTTPResponseReader.Limits().body)
        guard case .failure = try Self.post(receiver, "early", caFile: tls.certificate) else { Issue.record("a cut answer was taken"); return }

        let request = try #require(receiver.requests.first)
        #expect(request["body_length"] as? Int == PlainHTTPClientTests.body.count)
        #expect((request["headers"] as? [String: String])?["x-api-key"] == "k2")
    }

    @Test func httpsReceiverNotTrustedIsAFailureNamingTheCertificate() throws {
        let directory = try ProjectPaths.temporaryDirectory("tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = try ScriptedReceiver(tls: try Self.certificate(in: directory))
        guard case .failure(let failure) = try Self.post(receiver, "length", caFile: nil) else {
            Issue.record("a self-signed certificate was trusted")
            return
        }
        #expect(failure.description.lowercased().contains("certificate"))
    }
}

/// What `capture` checks before it starts.
struct OTLPExporterProblemTests {
    @Test func headerWithALineBreakIsTurnedAway() throws {
        var configuration = OTLPExporter.Configuration(endpoint: try #require(URL(string: "http://127.0.0.1:4318/v1/traces")))
        #expect(OTLPExporter.problem(with: configuration) == nil)
        configuration.headers = [("X-Key", "a\r\nInjected: yes")]
        #expect(OTLPExporter.problem(with: configuration)?.contains("line break") == true)
    }

    @Test func httpsEndpointNeedsLibcurl() throws {
        let configuration = OTLPExporter.Configuration(endpoint: try #require(URL(string: "https://collector.example:4318/v1/traces")))
        let problem = OTLPExporter.problem(with: configuration)
        if let missing = CurlHTTPClient.loadProblem() {
            #expect(problem?.contains("libcurl") == true && problem?.contains(missing) == true)
        } else {
            #expect(problem == nil)
        }
    }

    @Test func endpointsAreTakenApart() throws {
        let v6 = try #require(HTTPEndpoint(URL(string: "http://[::1]:4318/v1/traces?x=%20y")!))
        #expect(v6 == HTTPEndpoint(secure: false, host: "::1", port: 4318, target: "/v1/traces?x=%20y", authority: "[::1]:4318",
                                   url: "http://[::1]:4318/v1/traces?x=%20y"))
        let plain = try #require(HTTPEndpoint(URL(string: "https://otel.example/v1/traces")!))
        #expect(plain.port == 443 && plain.authority == "otel.example" && plain.secure)
        #expect(HTTPEndpoint(URL(string: "ftp://otel.example/")!) == nil)
    }
}
