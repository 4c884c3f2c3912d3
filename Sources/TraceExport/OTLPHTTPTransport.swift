#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Reports

/// One OTLP/HTTP export request at a time. `http://` receivers get glancetrace's own HTTP/1.1
/// client on a socket; `https://` receivers, and any receiver when a proxy is set in the
/// environment, go through libcurl loaded at run time (`CurlHTTPClient`), so that a run that
/// exports nothing loads no TLS or HTTP library.
final class OTLPHTTPTransport: Sendable {
    enum Outcome: Equatable {
        /// Taken; `refused` of its spans were refused by the receiver (partial success).
        case delivered(refused: Int)
        /// Not taken, and never will be: drop it.
        case refused(String)
        /// Not taken now: try again later (after `after` seconds, when the receiver says).
        case retry(String, after: Double?)
    }

    private let configuration: OTLPExporter.Configuration
    private let client: any HTTPPosting
    /// Why requests cannot be made at all (libcurl missing), or nil.
    let problem: String?

    init(configuration: OTLPExporter.Configuration) {
        self.configuration = configuration
        guard let endpoint = HTTPEndpoint(configuration.endpoint) else {
            client = PlainHTTPClient(endpoint: HTTPEndpoint.none)
            problem = "\(configuration.endpoint) is not an http:// or https:// URL"
            return
        }
        if endpoint.secure || Self.proxyIsSet(for: endpoint) {
            client = CurlHTTPClient(endpoint: endpoint, caFile: configuration.certificateFile)
            problem = CurlHTTPClient.loadProblem().map { reason in
                let why = endpoint.secure ? "an https:// endpoint" : "a proxy from the environment (http_proxy, all_proxy)"
                return "\(why) needs libcurl (libcurl.so.4, Debian's libcurl4), which could not be loaded: \(reason)"
            }
        } else {
            client = PlainHTTPClient(endpoint: endpoint)
            problem = nil
        }
    }

    /// libcurl's rule for a plain http URL: `http_proxy` (lowercase only: `HTTP_PROXY` can be set by
    /// a CGI request's `Proxy:` header), then `all_proxy`/`ALL_PROXY`. Its `no_proxy` is left to
    /// libcurl, which then connects directly as before.
    private static func proxyIsSet(for endpoint: HTTPEndpoint) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["http_proxy", "all_proxy", "ALL_PROXY"].contains { environment[$0].map { !$0.isEmpty } ?? false }
    }

    func post(_ batch: [LiveTrace]) -> Outcome {
        let json = configuration.encoding == .json
        if let problem { return .refused(problem) }
        var headers = [(name: "Content-Type", value: json ? "application/json" : "application/x-protobuf")]
        headers += configuration.headers
        let body = json ? OTLPExportBody.json(batch) : OTLPExportBody.protobuf(batch)
        switch client.post(body, headers: headers, timeout: configuration.requestTimeout) {
        case .failure(let failure):
            return .retry("\(configuration.endpoint): \(failure)", after: nil)
        case .success(let response):
            return Self.outcome(of: response, json: json, endpoint: "\(configuration.endpoint)")
        }
    }

    /// What an answer means for the batch (the OTLP specification's "Failures" and "Throttling").
    static func outcome(of response: HTTPPostResponse, json: Bool, endpoint: String) -> Outcome {
        switch response.status {
        case 200..<300:
            // A body cut at the limit is no message: the receiver took the batch, with nothing said about refusals.
            let rejected = response.bodyTruncated ? nil : OTLPExportBody.rejected(in: response.body, json: json)
            return .delivered(refused: rejected?.spans ?? 0)
        case 429, 502, 503, 504:
            let after = response.retryAfter.flatMap { Double($0.trimmingSpaces) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            return .retry("\(endpoint): HTTP \(response.status)", after: after)
        default:
            let text = HTTPResponseReader.printable(response.body.prefix(200))
            return .refused("\(endpoint): HTTP \(response.status) \(text)")
        }
    }
}

extension HTTPEndpoint {
    /// Stands in where no endpoint could be read (every post is refused with the reason).
    static let none = HTTPEndpoint(secure: false, host: "", port: 80, target: "/", authority: "", url: "")
}
