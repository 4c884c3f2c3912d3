/// What a proxy says about the leg it forwarded, in the headers it adds to the request:
/// `X-Forwarded-For` (haproxy's `option forwardfor`, nginx, Apache), RFC 7239 `Forwarded`
/// (haproxy's `option forwarded`), and `X-Forwarded-Proto`.
///
/// Each proxy appends the address it received the request from, so the last element of each
/// list names the client of the leg before it: its front leg's client.
package struct ForwardingHeaders: Sendable, Hashable {
    /// One `for` node: the previous hop's address, with its port when the proxy gave one.
    package struct Node: Sendable, Hashable {
        package var host: String
        package var port: Int?
        package init(host: String, port: Int? = nil) {
            self.host = LegAddress.normalisedHost(host)
            self.port = port
        }
    }

    /// The last `X-Forwarded-For` element, the last `Forwarded: for=`; each where present.
    package var nearestClients: [Node] = []
    /// `X-Forwarded-Proto` or `Forwarded: proto=` of the nearest proxy (`https`, `http`), lower-cased.
    package var proto: String?

    package init(nearestClients: [Node] = [], proto: String? = nil) {
        self.nearestClients = nearestClients
        self.proto = proto
    }

    /// Parses the header values as they came (every line of each field, in order).
    package init(xForwardedFor: [String], forwarded: [String], xForwardedProto: [String]) {
        if let last = xForwardedFor.flatMap({ $0.split(separator: ",") }).last.flatMap(ForwardingHeaders.node) {
            nearestClients.append(last)
        }
        var forwardedProto: String?
        // Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8::1]:4711"
        if let element = forwarded.flatMap({ $0.split(separator: ",") }).last {
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingSpaces.lowercased()
                let value = parts[1].trimmingSpaces
                if name == "for", let node = ForwardingHeaders.node(value[...]) { nearestClients.append(node) }
                if name == "proto" { forwardedProto = value.filter { $0 != "\"" }.lowercased() }
            }
        }
        let xProto = xForwardedProto.last.flatMap { $0.split(separator: ",").last }.map { $0.trimmingSpaces.lowercased() }
        proto = xProto ?? forwardedProto
    }

    package var isEmpty: Bool { nearestClients.isEmpty && proto == nil }

    /// True unless the headers name a client other than `address` (host, and port where given).
    package func allow(client address: LegAddress) -> Bool {
        nearestClients.allSatisfy { $0.host == address.host && ($0.port == nil || $0.port == address.port) }
    }

    /// An element of either list: `10.0.0.1`, `10.0.0.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
    /// Obfuscated (`_hidden`) and `unknown` nodes say nothing: nil.
    static func node(_ raw: Substring) -> Node? {
        let text = raw.trimmingSpaces.filter { $0 != "\"" }
        guard !text.isEmpty, text.lowercased() != "unknown", !text.hasPrefix("_") else { return nil }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            return Node(host: host, port: rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        // One colon: IPv4 with a port; more: a bare IPv6 address.
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let colon = text.firstIndex(of: ":") {
            return Node(host: String(text[..<colon]), port: Int(text[text.index(after: colon)...]))
        }
        return Node(host: text)
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension String {
    var trimmingSpaces: String { self[...].trimmingSpaces }
}
