import OTLPProtocol

// Short names for the generated OpenTelemetry messages (Sources/OTLPProtocol).
public typealias OTLPTracesData = Opentelemetry_Proto_Trace_V1_TracesData
public typealias OTLPExportRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
public typealias OTLPExportResponse = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse
public typealias OTLPResourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans
public typealias OTLPSpan = Opentelemetry_Proto_Trace_V1_Span
typealias OTLPScopeSpans = Opentelemetry_Proto_Trace_V1_ScopeSpans
typealias OTLPKeyValue = Opentelemetry_Proto_Common_V1_KeyValue
typealias OTLPAnyValue = Opentelemetry_Proto_Common_V1_AnyValue
typealias OTLPResource = Opentelemetry_Proto_Resource_V1_Resource

extension OTLPKeyValue {
    init(_ key: String, _ value: String) {
        self.init()
        self.key = key
        self.value.stringValue = value
    }

    init(_ key: String, _ value: Int) {
        self.init()
        self.key = key
        self.value.intValue = Int64(value)
    }

    init(_ key: String, _ value: Bool) {
        self.init()
        self.key = key
        self.value.boolValue = value
    }

    init(_ key: String, _ values: [String]) {
        self.init()
        self.key = key
        self.value.arrayValue.values = values.map { text in
            var value = OTLPAnyValue()
            value.stringValue = text
            return value
        }
    }
}
