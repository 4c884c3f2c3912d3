/// One header field as it appeared on the wire, with secret values already masked.
public struct HTTPHeader: Sendable, Hashable {
    /// The field name with its original spelling.
    public var name: String
    /// The field value, trimmed of surrounding whitespace; `<masked sha256:XXXXXXXX>` for secrets.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// True when the value is a masked secret.
    public var isMasked: Bool { SecretMask.fingerprint(inMasked: value) != nil }
}

extension Array where Element == HTTPHeader {
    /// The first value of the field `name` (case-insensitive).
    public func value(for name: String) -> String? {
        for header in self where header.name.lowercased() == name.lowercased() { return header.value }
        return nil
    }

    /// Every value of the field `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        let lower = name.lowercased()
        return filter { $0.name.lowercased() == lower }.map(\.value)
    }

    /// The secret fingerprint (8 hex digits) of a masked field, e.g. `X-Auth-Token`.
    public func fingerprint(for name: String) -> String? {
        value(for: name).flatMap(SecretMask.fingerprint(inMasked:))
    }
}
