/// What an OTLP/HTTP trace export posts: `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`
/// (its one field is `TracesData`'s too, so the same bytes are a `TracesData`).
package struct OTLPExportRequest: OTLPMessage, Equatable, Sendable {
    package var resourceSpans: [OTLPResourceSpans]

    package init(resourceSpans: [OTLPResourceSpans]) { self.resourceSpans = resourceSpans }

    package func write(to fields: inout some OTLPFieldWriter) {
        if !resourceSpans.isEmpty { fields.messages(1, "resourceSpans", resourceSpans) }
    }
}
