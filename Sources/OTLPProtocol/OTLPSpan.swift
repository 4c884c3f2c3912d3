/// A span: `opentelemetry.proto.trace.v1.Span`, the fields glancetrace writes.
package struct OTLPSpan: OTLPMessage, Equatable, Sendable {
    /// `Span.SpanKind`.
    package enum Kind: Int32, Sendable {
        case unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5
    }

    /// `opentelemetry.proto.trace.v1.Status`.
    package struct Status: OTLPMessage, Equatable, Sendable {
        /// `Status.StatusCode`.
        package enum Code: Int32, Sendable {
            case unset = 0, ok = 1, error = 2
        }

        package var message = ""
        package var code = Code.unset

        package init(code: Code, message: String) {
            self.code = code
            self.message = message
        }

        package func write(to fields: inout some OTLPFieldWriter) {
            if !message.isEmpty { fields.string(2, "message", message) }
            if code != .unset { fields.enumeration(3, "code", code.rawValue) }
        }
    }

    /// 16 bytes.
    package var traceID: [UInt8] = []
    /// 8 bytes.
    package var spanID: [UInt8] = []
    /// Empty for a root span.
    package var parentSpanID: [UInt8] = []
    package var name = ""
    package var kind = Kind.unspecified
    package var startTimeUnixNano: UInt64 = 0
    package var endTimeUnixNano: UInt64 = 0
    package var attributes: [OTLPKeyValue] = []
    package var events: [Event] = []
    package var links: [Link] = []
    /// Nil (no `status` member) unless something is said about the outcome.
    package var status: Status?
    /// W3C trace flags and whether the parent is remote (`SpanFlags`).
    package var flags: UInt32 = 0

    package init() {}

    package func write(to fields: inout some OTLPFieldWriter) {
        if !traceID.isEmpty { fields.identifier(1, "traceId", traceID) }
        if !spanID.isEmpty { fields.identifier(2, "spanId", spanID) }
        if !parentSpanID.isEmpty { fields.identifier(4, "parentSpanId", parentSpanID) }
        if !name.isEmpty { fields.string(5, "name", name) }
        if kind != .unspecified { fields.enumeration(6, "kind", kind.rawValue) }
        if startTimeUnixNano != 0 { fields.fixed64(7, "startTimeUnixNano", startTimeUnixNano) }
        if endTimeUnixNano != 0 { fields.fixed64(8, "endTimeUnixNano", endTimeUnixNano) }
        if !attributes.isEmpty { fields.messages(9, "attributes", attributes) }
        if !events.isEmpty { fields.messages(11, "events", events) }
        if !links.isEmpty { fields.messages(13, "links", links) }
        if let status { fields.message(15, "status", status) }
        if flags != 0 { fields.fixed32(16, "flags", flags) }
    }
}

extension OTLPSpan {
    /// `Span.Event`: something that happened at one moment of the span.
    package struct Event: OTLPMessage, Equatable, Sendable {
        package var timeUnixNano: UInt64 = 0
        package var name = ""
        package var attributes: [OTLPKeyValue] = []

        package init() {}

        package func write(to fields: inout some OTLPFieldWriter) {
            if timeUnixNano != 0 { fields.fixed64(1, "timeUnixNano", timeUnixNano) }
            if !name.isEmpty { fields.string(2, "name", name) }
            if !attributes.isEmpty { fields.messages(3, "attributes", attributes) }
        }
    }

    /// `Span.Link`: a span of this or another trace that this one relates to.
    package struct Link: OTLPMessage, Equatable, Sendable {
        package var traceID: [UInt8] = []
        package var spanID: [UInt8] = []
        package var attributes: [OTLPKeyValue] = []

        package init() {}

        package func write(to fields: inout some OTLPFieldWriter) {
            if !traceID.isEmpty { fields.identifier(1, "traceId", traceID) }
            if !spanID.isEmpty { fields.identifier(2, "spanId", spanID) }
            if !attributes.isEmpty { fields.messages(4, "attributes", attributes) }
        }
    }
}
