/// The spans of one resource (a service instance): `opentelemetry.proto.trace.v1.ResourceSpans`.
public struct OTLPResourceSpans: OTLPMessage, Equatable, Sendable {
    /// Nil: no `resource` member.
    public var resource: OTLPResource?
    public var scopeSpans: [OTLPScopeSpans] = []

    public init(resource: OTLPResource?, scopeSpans: [OTLPScopeSpans]) {
        self.resource = resource
        self.scopeSpans = scopeSpans
    }

    public func write(to fields: inout some OTLPFieldWriter) {
        if let resource { fields.message(1, "resource", resource) }
        if !scopeSpans.isEmpty { fields.messages(2, "scopeSpans", scopeSpans) }
    }
}

/// `opentelemetry.proto.resource.v1.Resource`: what produced the spans (`service.name`, ...).
public struct OTLPResource: OTLPMessage, Equatable, Sendable {
    public var attributes: [OTLPKeyValue]

    public init(attributes: [OTLPKeyValue]) { self.attributes = attributes }

    public func write(to fields: inout some OTLPFieldWriter) {
        if !attributes.isEmpty { fields.messages(1, "attributes", attributes) }
    }
}

/// The spans of one instrumentation scope: `opentelemetry.proto.trace.v1.ScopeSpans`.
public struct OTLPScopeSpans: OTLPMessage, Equatable, Sendable {
    /// The `InstrumentationScope`'s name: the scope is always written, even when the name is empty.
    public var scopeName: String
    public var spans: [OTLPSpan]

    public init(scopeName: String, spans: [OTLPSpan]) {
        self.scopeName = scopeName
        self.spans = spans
    }

    public func write(to fields: inout some OTLPFieldWriter) {
        fields.message(1, "scope", InstrumentationScope(name: scopeName))
        if !spans.isEmpty { fields.messages(2, "spans", spans) }
    }

    /// `opentelemetry.proto.common.v1.InstrumentationScope`, by name only.
    private struct InstrumentationScope: OTLPMessage {
        let name: String

        func write(to fields: inout some OTLPFieldWriter) {
            if !name.isEmpty { fields.string(1, "name", name) }
        }
    }
}
