import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Reports

/// One OTLP/HTTP export request at a time, with Foundation's URLSession (libcurl on Linux:
/// http and https, proxies from the environment).
final class OTLPHTTPTransport: @unchecked Sendable {
    enum Outcome {
        /// Taken; `refused` of its spans were refused by the receiver (partial success).
        case delivered(refused: Int)
        /// Not taken, and never will be: drop it.
        case refused(String)
        /// Not taken now: try again later (after `after` seconds, when the receiver says).
        case retry(String, after: Double?)
    }

    private let configuration: OTLPExporter.Configuration
    private let session: URLSession

    init(configuration: OTLPExporter.Configuration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.requestTimeout
        sessionConfiguration.timeoutIntervalForResource = configuration.requestTimeout
        session = URLSession(configuration: sessionConfiguration)
    }

    /// The answer of one request, handed from URLSession's queue to the exporter's thread.
    private final class Answer: @unchecked Sendable {
        var data: Data?
        var response: HTTPURLResponse?
        var error: Error?
    }

    func post(_ batch: [LiveTrace]) -> Outcome {
        let json = configuration.encoding == .json
        var request = URLRequest(url: configuration.endpoint, timeoutInterval: configuration.requestTimeout)
        request.httpMethod = "POST"
        request.setValue(json ? "application/json" : "application/x-protobuf", forHTTPHeaderField: "Content-Type")
        for header in configuration.headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
        request.httpBody = Data(json ? OTLPExportBody.json(batch) : OTLPExportBody.protobuf(batch))

        let answer = Answer()
        let finished = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            answer.data = data
            answer.response = response as? HTTPURLResponse
            answer.error = error
            finished.signal()
        }
        task.resume()
        if finished.wait(timeout: .now() + configuration.requestTimeout + 2) == .timedOut {
            task.cancel()
            return .retry("no answer from \(configuration.endpoint) in \(Int(configuration.requestTimeout)) s", after: nil)
        }
        guard let response = answer.response else {
            let reason = answer.error.map { ($0 as NSError).localizedDescription } ?? "no response"
            return .retry("\(configuration.endpoint): \(reason)", after: nil)
        }
        let body = [UInt8](answer.data ?? Data())
        switch response.statusCode {
        case 200..<300:
            let rejected = OTLPExportBody.rejected(in: body, json: json) ?? (0, "")
            return .delivered(refused: rejected.spans)
        case 429, 502, 503, 504:
            let after = response.value(forHTTPHeaderField: "Retry-After").flatMap { Double($0) }
            return .retry("\(configuration.endpoint): HTTP \(response.statusCode)", after: after)
        default:
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return .refused("\(configuration.endpoint): HTTP \(response.statusCode) \(text)")
        }
    }
}
