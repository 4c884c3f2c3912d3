/// One end of a TCP connection, as the leg joiner compares them: a host and a port.
package struct LegAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address as text, lower-cased, without brackets (`127.0.0.1`, `fd00::5`).
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = LegAddress.normalisedHost(host)
        self.port = port
    }

    /// Reads the reports' endpoint form, `ip:port` or `[ipv6]:port`; nil for anything else.
    package init?(endpoint: String) {
        if endpoint.hasPrefix("[") {
            guard let close = endpoint.firstIndex(of: "]") else { return nil }
            let rest = endpoint[endpoint.index(after: close)...]
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()) else { return nil }
            self.init(host: String(endpoint[endpoint.index(after: endpoint.startIndex)..<close]), port: port)
        } else {
            guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]) else { return nil }
            self.init(host: String(endpoint[..<colon]), port: port)
        }
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Lower case, brackets and quotes off, and an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`,
    /// what a dual-stack proxy writes in `X-Forwarded-For`) as the IPv4 address it stands for.
    static func normalisedHost(_ text: String) -> String {
        var host = Substring(text.lowercased())
        host = host.drop { $0 == "\"" || $0 == "[" || $0 == " " }
        while let last = host.last, last == "\"" || last == "]" || last == " " { host = host.dropLast() }
        if host.hasPrefix("::ffff:"), host.dropFirst(7).contains(".") { host = host.dropFirst(7) }
        return String(host)
    }
}
