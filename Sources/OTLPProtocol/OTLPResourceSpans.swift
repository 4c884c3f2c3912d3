/// The spans of one resource (a service instance): `opentelemetry.proto.trace.v1.ResourceSpans`.
package struct OTLPResourceSpans: OTLPMessage, Equatable, Sendable {
    /// Nil: no `resource` member.
    package var resource: OTLPResource?
    package var scopeSpans: [OTLPScopeSpans] = []

    package init(resource: OTLPResource?, scopeSpans: [OTLPScopeSpans]) {
        self.resource = resource
        self.scopeSpans = scopeSpans
    }

    package func write(to fields: inout some OTLPFieldWriter) {
        if let resource { fields.message(1, "resource", resource) }
        if !scopeSpans.isEmpty { fields.messages(2, "scopeSpans", scopeSpans) }
    }
}

/// `opentelemetry.proto.resource.v1.Resource`: what produced the spans (`service.name`, ...).
package struct OTLPResource: OTLPMessage, Equatable, Sendable {
    package var attributes: [OTLPKeyValue]

    package init(attributes: [OTLPKeyValue]) { self.attributes = attributes }

    package func write(to fields: inout some OTLPFieldWriter) {
        if !attributes.isEmpty { fields.messages(1, "attributes", attributes) }
    }
}

/// The spans of one instrumentation scope: `opentelemetry.proto.trace.v1.ScopeSpans`.
package struct OTLPScopeSpans: OTLPMessage, Equatable, Sendable {
    /// The `InstrumentationScope`'s name: the scope is always written, even when the name is empty.
    package var scopeName: String
    package var spans: [OTLPSpan]

    package init(scopeName: String, spans: [OTLPSpan]) {
        self.scopeName = scopeName
        self.spans = spans
    }

    package func write(to fields: inout some OTLPFieldWriter) {
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
