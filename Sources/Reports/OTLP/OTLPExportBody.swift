import OTLPProtocol

/// The bodies of OTLP/HTTP exports: an `ExportTraceServiceRequest` of some traces, as protobuf
/// or OTLP/JSON, and the receiver's answer.
package enum OTLPExportBody {
    /// The `application/x-protobuf` body.
    package static func protobuf(_ traces: [LiveTrace]) -> [UInt8] {
        OTLPExportRequest(resourceSpans: traces.flatMap(\.resourceSpans)).protobuf
    }

    /// The `application/json` body.
    package static func json(_ traces: [LiveTrace]) -> [UInt8] {
        OTLPExportRequest(resourceSpans: traces.flatMap(\.resourceSpans)).json
    }

    /// Spans the receiver said it refused (`partial_success.rejected_spans`) and its message;
    /// nil when the answer is not an `ExportTraceServiceResponse` (an empty body is a full success).
    package static func rejected(in body: [UInt8], json: Bool) -> (spans: Int, message: String)? {
        guard !body.isEmpty else { return (0, "") }
        guard let response = json ? OTLPExportResponse(json: body) : OTLPExportResponse(protobuf: body) else { return nil }
        return (Int(clamping: response.rejectedSpans), response.errorMessage)
    }
}
