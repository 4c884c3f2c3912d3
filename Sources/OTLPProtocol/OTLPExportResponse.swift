import ByteReading
import Foundation

/// An OTLP/HTTP receiver's answer to a trace export: `ExportTraceServiceResponse`, of which only
/// `partial_success` (how many spans it refused, and why) is read. A full success has neither.
package struct OTLPExportResponse: Equatable, Sendable {
    /// `partial_success.rejected_spans`.
    package var rejectedSpans: Int64 = 0
    /// `partial_success.error_message`.
    package var errorMessage = ""

    package init(rejectedSpans: Int64 = 0, errorMessage: String = "") {
        self.rejectedSpans = rejectedSpans
        self.errorMessage = errorMessage
    }

    /// Reads the protobuf form; nil when `bytes` is not a well-formed message. Unknown fields are
    /// skipped; a field seen twice takes its last value, a message seen twice is merged (protobuf's rules).
    package init?(protobuf bytes: [UInt8]) {
        var response = OTLPExportResponse()
        let valid = bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            while !reader.isAtEnd {
                guard let (number, wireType) = reader.readFieldKey() else { return false }
                if number == 1 {  // partial_success
                    guard wireType == 2, var partial = reader.readLengthDelimited(), response.merge(&partial) else { return false }
                } else if !reader.skipField(wireType: wireType) {
                    return false
                }
            }
            return true
        }
        guard valid else { return nil }
        self = response
    }

    /// Reads `ExportTracePartialSuccess` into `self`.
    private mutating func merge(_ reader: inout ByteReader) -> Bool {
        while !reader.isAtEnd {
            guard let (number, wireType) = reader.readFieldKey() else { return false }
            switch (number, wireType) {
            case (1, 0):
                guard let value = reader.readVarint() else { return false }
                rejectedSpans = Int64(bitPattern: value)
            case (2, 2):
                // A protobuf string must be UTF-8.
                guard let text = reader.readLengthDelimited(), let message = String(validating: text.unreadBytes, as: UTF8.self) else { return false }
                errorMessage = message
            case (1, _), (2, _):
                return false
            default:
                guard reader.skipField(wireType: wireType) else { return false }
            }
        }
        return true
    }

    /// Reads the OTLP/JSON form (either spelling of the member names, the count as a string or a
    /// number, other members ignored); nil when `bytes` is not such an object.
    package init?(json bytes: [UInt8]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return nil }
        self.init()
        guard let member = object["partialSuccess"] ?? object["partial_success"], !(member is NSNull) else { return }
        guard let partial = member as? [String: Any] else { return nil }
        switch partial["rejectedSpans"] ?? partial["rejected_spans"] {
        case nil, is NSNull: break
        case let text as String:
            guard let count = Int64(text) else { return nil }
            rejectedSpans = count
        case let number as NSNumber:
            guard let count = Int64(exactly: number.doubleValue) else { return nil }
            rejectedSpans = count
        default: return nil
        }
        switch partial["errorMessage"] ?? partial["error_message"] {
        case nil, is NSNull: break
        case let text as String: errorMessage = text
        default: return nil
        }
    }
}
