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

    static let identifierMembers: [[UInt8]] = ["\"traceId\":\"", "\"spanId\":\"", "\"parentSpanId\":\""].map { Array($0.utf8) }

    /// Rewrites the base64 values of the id members as lowercase hex, in one pass over the text.
    static func hexIdentifiers(_ json: String) -> String {
        let bytes = Array(json.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var i = 0
        while i < bytes.count {
            // A member name starts at an unescaped quote; inside a string a quote is `\"`, and
            // what follows it never reads `traceId":"`.
            guard bytes[i] == UInt8(ascii: "\""), let member = identifierMembers.first(where: { bytes[i...].starts(with: $0) }) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            out += member
            i += member.count
            let close = bytes[i...].firstIndex(of: UInt8(ascii: "\"")) ?? bytes.count
            if let id = Data(base64Encoded: Data(bytes[i..<close])) {
                for byte in id { out += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]] }
            } else {
                out += bytes[i..<close]
            }
            i = close
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
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
