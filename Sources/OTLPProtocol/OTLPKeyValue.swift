/// An attribute: `opentelemetry.proto.common.v1.KeyValue`.
package struct OTLPKeyValue: OTLPMessage, Equatable, Sendable {
    package var key: String
    package var value: OTLPAnyValue

    package init(_ key: String, _ value: OTLPAnyValue) {
        self.key = key
        self.value = value
    }

    package init(_ key: String, _ value: String) { self.init(key, .string(value)) }
    package init(_ key: String, _ value: Int) { self.init(key, .int(Int64(value))) }
    package init(_ key: String, _ value: Bool) { self.init(key, .bool(value)) }
    package init(_ key: String, _ values: [String]) { self.init(key, .array(values.map { .string($0) })) }

    package func write(to fields: inout some OTLPFieldWriter) {
        if !key.isEmpty { fields.string(1, "key", key) }
        fields.message(2, "value", value)
    }
}

/// An attribute's value: `opentelemetry.proto.common.v1.AnyValue`, the kinds glancetrace writes.
package enum OTLPAnyValue: OTLPMessage, Equatable, Sendable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case array([OTLPAnyValue])

    /// The text of a string value; nil for another kind.
    package var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The number of an int value; nil for another kind.
    package var intValue: Int64? {
        if case .int(let number) = self { number } else { nil }
    }

    package func write(to fields: inout some OTLPFieldWriter) {
        // Members of the `value` oneof: written when set, even at their default.
        switch self {
        case .string(let text): fields.string(1, "stringValue", text)
        case .bool(let flag): fields.bool(2, "boolValue", flag)
        case .int(let number): fields.int64(3, "intValue", number)
        case .array(let values): fields.message(5, "arrayValue", ArrayValue(values: values))
        }
    }

    /// `opentelemetry.proto.common.v1.ArrayValue`.
    private struct ArrayValue: OTLPMessage {
        let values: [OTLPAnyValue]

        func write(to fields: inout some OTLPFieldWriter) {
            if !values.isEmpty { fields.messages(1, "values", values) }
        }
    }
}
