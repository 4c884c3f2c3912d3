extension OpenStackRoute {
    /// The route an already classified call matched: its pattern is the low-cardinality name of
    /// the call that tracing backends group by (OpenTelemetry's `http.route`).
    /// - Parameters:
    ///   - service: the call's service as `HTTPFact.service` spells it.
    ///   - path: the request path without query.
    package static func matching(service: String, method: String, path: String,
                                in routes: [OpenStackRoute] = OpenStackRoute.standardTable) -> OpenStackRoute? {
        guard let service = OpenStackService(rawValue: service) else { return nil }
        let segments = path.split(separator: "/")
        return routes.first { $0.service == service && $0.match(method: method, pathSegments: segments) != nil }
    }
}
