#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where an OTLP/HTTP export goes, taken apart for a request line and a socket.
struct HTTPEndpoint: Equatable, Sendable {
    var secure: Bool
    /// The name or address to connect to (an IPv6 address without brackets).
    var host: String
    var port: Int
    /// The request target: the percent-encoded path and query.
    var target: String
    /// The `Host` header: the URL's authority without user information.
    var authority: String
    /// The whole URL, for libcurl and for messages.
    var url: String
}

extension HTTPEndpoint {
    /// Nil unless `url` is an http or https URL with a host.
    init?(_ url: URL) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              var host = components.percentEncodedHost, !host.isEmpty else { return nil }
        secure = scheme == "https"
        let bracketed = host.hasPrefix("[")
        if bracketed { host = String(host.dropFirst().dropLast()) }
        self.host = host
        let port = components.port ?? (secure ? 443 : 80)
        guard (1...65535).contains(port) else { return nil }
        self.port = port
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
        let shownHost = bracketed ? "[\(host)]" : host
        authority = components.port.map { "\(shownHost):\($0)" } ?? shownHost
        self.url = url.absoluteString
    }
}
