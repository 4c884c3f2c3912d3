import Foundation
import SwiftProtobuf

/// OTLP/JSON as the OTLP specification defines it: the protobuf JSON mapping (by swift-protobuf)
/// with its two exceptions, enums as integers and trace and span ids as hex strings.
///
/// swift-protobuf writes `bytes` fields as base64, as the general mapping says; OTLP receivers
/// (the Collector, Jaeger, Tempo) read `traceId`, `spanId` and `parentSpanId` as hex. So those
/// three members are rewritten after encoding, the same way the Collector's own JSON marshaller
/// special-cases them. Only members with exactly these names are touched; no value from a
/// capture can be mistaken for one, since a quote inside a JSON string is always escaped.
enum OTLPJSON {
    static let options: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.alwaysPrintEnumsAsInts = true
        options.preserveProtoFieldNames = false  // lowerCamelCase, as OTLP/JSON requires
        return options
    }()

    static func encode(_ message: some SwiftProtobuf.Message) -> String {
        // Encoding generated messages fails only for values JSON cannot hold (a non-finite
        // double): glancetrace writes none.
        guard let json = try? message.jsonString(options: options) else { return "{}" }
        return hexIdentifiers(json)
    }

    static let identifierMembers = ["\"traceId\":\"", "\"spanId\":\"", "\"parentSpanId\":\""]

    /// Rewrites the base64 values of the id members as lowercase hex.
    static func hexIdentifiers(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count + json.utf8.count / 8)
        var rest = json[...]
        while let match = identifierMembers.compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            out += rest[..<match.upperBound]
            rest = rest[match.upperBound...]
            guard let close = rest.firstIndex(of: "\"") else { break }
            let value = rest[..<close]
            if let bytes = Data(base64Encoded: String(value)) {
                out += bytes.map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 0xF)] }.joined()
            } else {
                out += value
            }
            rest = rest[close...]
        }
        out += rest
        return out
    }

    private static let hexDigits = (0..<16).map { String($0, radix: 16) }
}

/// The bodies of OTLP/HTTP exports: an `ExportTraceServiceRequest` of some traces, as protobuf
/// or OTLP/JSON, and the receiver's answer.
public enum OTLPExportBody {
    public static func protobuf(_ traces: [LiveTrace]) -> [UInt8] {
        var request = OTLPExportRequest()
        request.resourceSpans = traces.flatMap(\.resourceSpans)
        // Serialising generated messages with no required fields cannot fail.
        return (try? request.serializedBytes()) ?? []
    }

    public static func json(_ traces: [LiveTrace]) -> [UInt8] {
        var request = OTLPExportRequest()
        request.resourceSpans = traces.flatMap(\.resourceSpans)
        return Array(OTLPJSON.encode(request).utf8)
    }

    /// Spans the receiver said it refused (`partial_success.rejected_spans`) and its message;
    /// nil when the answer is not an `ExportTraceServiceResponse` (an empty body is a full success).
    public static func rejected(in body: [UInt8], json: Bool) -> (spans: Int, message: String)? {
        guard !body.isEmpty else { return (0, "") }
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        let response = json ? try? OTLPExportResponse(jsonUTF8Bytes: body, options: options)
                            : try? OTLPExportResponse(serializedBytes: body)
        guard let response else { return nil }
        return (Int(clamping: response.partialSuccess.rejectedSpans), response.partialSuccess.errorMessage)
    }
}
