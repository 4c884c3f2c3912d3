import ByteReading
// JSONDecoder: not all of Foundation, which would be loaded into every run of every command.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
        guard let object = try? JSONDecoder().decode([String: JSONScalar].self, from: Data(bytes)) else { return nil }
        self.init()
        guard let member = object["partialSuccess"] ?? object["partial_success"], member != .null else { return }
        guard case .object(let partial) = member else { return nil }
        switch partial["rejectedSpans"] ?? partial["rejected_spans"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let count = Int64(text) else { return nil }
            rejectedSpans = count
        case .number(let number)?:
            guard let count = Int64(exactly: number) else { return nil }
            rejectedSpans = count
        case .bool(let flag)?:  // what a JSON number reader that takes `true` as 1 made of it
            rejectedSpans = flag ? 1 : 0
        default: return nil
        }
        switch partial["errorMessage"] ?? partial["error_message"] {
        case nil, .null?: break
        case .string(let text)?: errorMessage = text
        default: return nil
        }
    }
}

/// A JSON value as far as the response is read: one level of object members, scalars, and
/// anything else (an array, a deeper object) as `.other`.
private enum JSONScalar: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), other
    case object([String: JSONScalar])

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() { self = .null }
        else if let flag = try? value.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? value.decode(Double.self) { self = .number(number) }
        else if let text = try? value.decode(String.self) { self = .string(text) }
        else if let members = try? value.decode([String: JSONScalar].self) { self = .object(members) }
        else { self = .other }
    }
}
