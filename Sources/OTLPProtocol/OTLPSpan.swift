/// A span: `opentelemetry.proto.trace.v1.Span`, the fields glancetrace writes.
public struct OTLPSpan: OTLPMessage, Equatable, Sendable {
    /// `Span.SpanKind`.
    public enum Kind: Int32, Sendable {
        case unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5
    }

    /// `opentelemetry.proto.trace.v1.Status`.
    public struct Status: OTLPMessage, Equatable, Sendable {
        /// `Status.StatusCode`.
        public enum Code: Int32, Sendable {
            case unset = 0, ok = 1, error = 2
        }

        public var message = ""
        public var code = Code.unset

        public init(code: Code, message: String) {
            self.code = code
            self.message = message
        }

        public func write(to fields: inout some OTLPFieldWriter) {
            if !message.isEmpty { fields.string(2, "message", message) }
            if code != .unset { fields.enumeration(3, "code", code.rawValue) }
        }
    }

    /// 16 bytes.
    public var traceID: [UInt8] = []
    /// 8 bytes.
    public var spanID: [UInt8] = []
    /// Empty for a root span.
    public var parentSpanID: [UInt8] = []
    public var name = ""
    public var kind = Kind.unspecified
    public var startTimeUnixNano: UInt64 = 0
    public var endTimeUnixNano: UInt64 = 0
    public var attributes: [OTLPKeyValue] = []
    public var events: [Event] = []
    public var links: [Link] = []
    /// Nil (no `status` member) unless something is said about the outcome.
    public var status: Status?
    /// W3C trace flags and whether the parent is remote (`SpanFlags`).
    public var flags: UInt32 = 0

    public init() {}

    public func write(to fields: inout some OTLPFieldWriter) {
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
    public struct Event: OTLPMessage, Equatable, Sendable {
        public var timeUnixNano: UInt64 = 0
        public var name = ""
        public var attributes: [OTLPKeyValue] = []

        public init() {}

        public func write(to fields: inout some OTLPFieldWriter) {
            if timeUnixNano != 0 { fields.fixed64(1, "timeUnixNano", timeUnixNano) }
            if !name.isEmpty { fields.string(2, "name", name) }
            if !attributes.isEmpty { fields.messages(3, "attributes", attributes) }
        }
    }

    /// `Span.Link`: a span of this or another trace that this one relates to.
    public struct Link: OTLPMessage, Equatable, Sendable {
        public var traceID: [UInt8] = []
        public var spanID: [UInt8] = []
        public var attributes: [OTLPKeyValue] = []

        public init() {}

        public func write(to fields: inout some OTLPFieldWriter) {
            if !traceID.isEmpty { fields.identifier(1, "traceId", traceID) }
            if !spanID.isEmpty { fields.identifier(2, "spanId", spanID) }
            if !attributes.isEmpty { fields.messages(4, "attributes", attributes) }
        }
    }
}
