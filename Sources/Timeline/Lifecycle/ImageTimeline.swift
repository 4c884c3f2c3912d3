import CaptureIO

/// The OpenStack meaning of a capture: each Glance image's lifecycle and how SQL relates to HTTP.
package struct ImageTimeline: Sendable {
    /// Each image's lifecycle, in the order the capture first mentions them.
    package var images: [ImageLifecycle]
    /// SQL fact index -> HTTP fact index of the request it was issued for.
    package var httpOfSQL: [Int: Int]
    /// SQL fact index -> its link where that is not certain: likely (the request is the one in
    /// `httpOfSQL`) or ambiguous (none in `httpOfSQL`; the candidates listed).
    package var uncertainSQL: [Int: SQLAttributionLink] = [:]
    /// HTTP fact index -> its SQL fact indices, in time order.
    package var sqlOfHTTP: [Int: [Int]]
    /// SQL fact index -> the image id the statement concerns.
    package var imageOfSQL: [Int: String]
    /// What a user should look at, in time order.
    package var anomalies: [Anomaly]
    /// HTTP fact index -> the Keystone token-issue whose token it carried (linked by fingerprint).
    package var tokenIssueOfHTTP: [Int: Int] = [:]
    /// HTTP fact index of a call a service made itself -> the request it was serving.
    package var causeOfHTTP: [Int: CallCause] = [:]
    /// HTTP fact index -> the calls made while serving it, in start order.
    package var callsOfHTTP: [Int: [Int]] = [:]
    /// Requests and statements a proxy carried twice (see `apply(_:http:sql:)`).
    package var legs = ProxyLegs()

    /// A timeline from its parts (the builder, tests).
    package init(images: [ImageLifecycle] = [], httpOfSQL: [Int: Int] = [:], sqlOfHTTP: [Int: [Int]] = [:],
                imageOfSQL: [Int: String] = [:], anomalies: [Anomaly] = []) {
        self.images = images
        self.httpOfSQL = httpOfSQL
        self.sqlOfHTTP = sqlOfHTTP
        self.imageOfSQL = imageOfSQL
        self.anomalies = anomalies
    }

    /// How statement `sql` is tied to a request: nil when no request was in progress for it.
    package func attribution(ofSQL sql: Int) -> SQLAttributionLink? {
        if var link = uncertainSQL[sql] {
            // The request itself is `httpOfSQL`'s, whatever remapped it since.
            if link.confidence != .ambiguous { link.http = httpOfSQL[sql] }
            return link
        }
        return httpOfSQL[sql].map { .certain($0) }
    }

    /// Keeps only the images whose name or id equals `selector` (`--image`).
    package func selectingImage(_ selector: String) -> ImageTimeline {
        var copy = self
        copy.images = images.filter { $0.id == selector || $0.name == selector }
        return copy
    }
}
