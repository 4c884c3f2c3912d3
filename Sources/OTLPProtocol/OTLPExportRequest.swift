/// What an OTLP/HTTP trace export posts: `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`
/// (its one field is `TracesData`'s too, so the same bytes are a `TracesData`).
public struct OTLPExportRequest: OTLPMessage, Equatable, Sendable {
    public var resourceSpans: [OTLPResourceSpans]

    public init(resourceSpans: [OTLPResourceSpans]) { self.resourceSpans = resourceSpans }

    public func write(to fields: inout some OTLPFieldWriter) {
        if !resourceSpans.isEmpty { fields.messages(1, "resourceSpans", resourceSpans) }
    }
}
