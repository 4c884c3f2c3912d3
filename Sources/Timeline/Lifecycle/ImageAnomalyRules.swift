/// The rules that say what in a capture a user should look at (`anomalies[]`), from the facts
/// and the lifecycles the builder made of them.
enum ImageAnomalyRules {
    /// A write whose transaction was rolled back or never committed in the capture.
    static func uncommittedWrite(_ fact: SQLFact) -> Anomaly {
        Anomaly(time: fact.time, kind: .uncommittedWrite,
                message: "SQL write never committed in the capture: \(abbreviated(fact.statement))")
    }

    /// A statement answered with an error; nil for any other outcome.
    static func sqlError(_ fact: SQLFact) -> Anomaly? {
        guard case .error(let code, let message) = fact.outcome else { return nil }
        return Anomaly(time: fact.time, kind: .sqlError, message: "MySQL error \(code): \(message)")
    }

    /// A 5xx answer, a response without its request, a request whose body is not whole.
    static func exchangeAnomalies(_ fact: HTTPFact, into anomalies: inout [Anomaly]) {
        if let status = fact.status, status >= 500 {
            anomalies.append(Anomaly(time: fact.time, kind: .httpServerError,
                                     message: "\(fact.method) \(fact.path) answered \(status)"))
        }
        if fact.method == "-" {
            // No request at all (lost, or sent before the capture began): not an incomplete one.
            anomalies.append(Anomaly(time: fact.time, kind: .responseWithoutRequest,
                                     message: "\(fact.status.map { "\($0) response" } ?? "response") on \(fact.client) -> \(fact.server) "
                                         + "without its request in the capture"))
        } else if !fact.requestComplete {
            anomalies.append(Anomaly(time: fact.time, kind: .incompleteRequest,
                                     message: "\(fact.method) \(fact.path): request body incomplete in the capture"))
        }
    }

    /// An image's checksum mismatch, failed uploads and end in `killed`, in that order.
    static func imageAnomalies(_ image: ImageLifecycle, http: HTTPFactStore, into anomalies: inout [Anomaly]) {
        if image.upload?.matchesChecksum == false {
            anomalies.append(Anomaly(time: image.upload?.ended ?? image.firstSeen, kind: .checksumMismatch,
                                     message: "image \(image.id ?? image.name ?? "?"): uploaded bytes do not match the checksum Glance stored"))
        }
        failedUploads(of: image, http: http, into: &anomalies)
        if image.status == "killed" {
            anomalies.append(Anomaly(time: image.transitions.last?.time ?? image.firstSeen, kind: .imageKilled,
                                     message: "image \(image.id ?? image.name ?? "?") ended killed (upload failed)"))
        }
    }

    /// Glance v2 no longer leaves a failed upload `killed`: when the data cannot be read (client
    /// gone mid-upload, 500) or is refused (format inspector, 415), it sets the image back to
    /// `queued` (`saving -> queued`, `uploading`/`importing -> queued` for the import flow). That
    /// step back is the only trace of the failure in the database, so it is reported.
    private static let busyStatuses: Set<String> = ["saving", "uploading", "importing"]

    private static func failedUploads(of image: ImageLifecycle, http: HTTPFactStore, into anomalies: inout [Anomaly]) {
        for (before, after) in zip(image.transitions, image.transitions.dropFirst())
        where busyStatuses.contains(before.status) && (after.status == "queued" || after.status == "killed") {
            var cause = ""
            if let request = after.http, http.indices.contains(request) {
                let fact = http[request]
                cause = ": \(fact.method) \(fact.path) answered \(fact.status.map(String.init) ?? "nothing")"
                if !fact.requestComplete {
                    // The decoder tells a client that went away (killed mid-upload: the stream
                    // closes inside the body) from bytes the capture merely lacks.
                    cause += fact.requestStreamEndedInBody
                        ? ", the client's stream ended inside the request body" : ", request body incomplete"
                }
            }
            anomalies.append(Anomaly(time: after.time, kind: .uploadFailed,
                                     message: "image \(image.id ?? image.name ?? "?"): upload failed, \(before.status) -> \(after.status)\(cause)"))
        }
    }

    static func abbreviated(_ text: String) -> String {
        text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
}
