import Reports
import TestSupport
import Testing

/// The receiver's answer to an export, as the exporter reads it: bodies written by OpenTelemetry's
/// own definitions (python `opentelemetry-proto`, the commands in each comment), and damaged
/// ones, which must give nil or a count, never a crash.
@Suite struct OTLPExportResponseTests {
    /// `ExportTraceServiceResponse(partial_success=ExportTracePartialSuccess(rejected_spans=3,
    /// error_message='spans too old: é')).SerializeToString()`
    static let partial: [UInt8] = [10, 21, 8, 3, 18, 17, 115, 112, 97, 110, 115, 32, 116, 111, 111, 32, 111, 108, 100, 58, 32, 195, 169]

    @Test func partialSuccessIsRead() {
        #expect(OTLPExportBody.rejected(in: Self.partial, json: false)?.spans == 3)
        #expect(OTLPExportBody.rejected(in: Self.partial, json: false)?.message == "spans too old: é")
        // rejected_spans=300, error_message='x': a two-byte varint.
        #expect(OTLPExportBody.rejected(in: [10, 6, 8, 172, 2, 18, 1, 120], json: false)?.spans == 300)
        // rejected_spans=-1: ten bytes of varint, as int64 has it.
        #expect(OTLPExportBody.rejected(in: [10, 11, 8, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1], json: false)?.spans == -1)
        // An empty body, and an empty message: a full success.
        #expect(OTLPExportBody.rejected(in: [], json: false)?.spans == 0)
        #expect(OTLPExportBody.rejected(in: [10, 0], json: false)?.spans == 0)
    }

    @Test func unknownFieldsAreSkipped() {
        // Field 7 as a varint, field 9 as fixed32 and field 3 as fixed64 around the partial success.
        let body: [UInt8] = [56, 1, 77, 1, 2, 3, 4] + Self.partial + [25, 1, 2, 3, 4, 5, 6, 7, 8]
        #expect(OTLPExportBody.rejected(in: body, json: false)?.spans == 3)
    }

    @Test func jsonAnswersAreRead() {
        // `json_format.MessageToJson(...)` of the response above.
        let json = #"{"partialSuccess": {"rejectedSpans": "3", "errorMessage": "spans too old: \u00e9"}}"#
        #expect(OTLPExportBody.rejected(in: Array(json.utf8), json: true)?.spans == 3)
        #expect(OTLPExportBody.rejected(in: Array(json.utf8), json: true)?.message == "spans too old: é")
        #expect(OTLPExportBody.rejected(in: Array(#"{"partial_success":{"rejected_spans":4},"other":1}"#.utf8), json: true)?.spans == 4)
        #expect(OTLPExportBody.rejected(in: Array("{}".utf8), json: true)?.spans == 0)
        #expect(OTLPExportBody.rejected(in: Array("<html>".utf8), json: true) == nil)
        #expect(OTLPExportBody.rejected(in: Array(#"{"partialSuccess":{"rejectedSpans":"many"}}"#.utf8), json: true) == nil)
    }

    @Test func damagedAnswersGiveNilNotACrash() {
        // Every truncation of a valid body but the empty one ends inside a field.
        for length in 1..<Self.partial.count {
            #expect(OTLPExportBody.rejected(in: Array(Self.partial.prefix(length)), json: false) == nil, "\(length) bytes")
        }
        #expect(OTLPExportBody.rejected(in: [10, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], json: false) == nil, "a length past the end")
        #expect(OTLPExportBody.rejected(in: [0, 1], json: false) == nil, "field number 0")
        #expect(OTLPExportBody.rejected(in: [8, 3], json: false) == nil, "partial_success as a varint")
        #expect(OTLPExportBody.rejected(in: [10, 3, 18, 1, 0xFF], json: false) == nil, "an error message that is not UTF-8")
        #expect(OTLPExportBody.rejected(in: [10, 11] + Array(repeating: 0xFF, count: 11), json: false) == nil, "a varint of 11 bytes")
        var random = SplitMix64(seed: 17)
        for _ in 0..<2000 {
            let body = (0..<Int.random(in: 1...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = OTLPExportBody.rejected(in: body, json: false)
            _ = OTLPExportBody.rejected(in: body, json: true)
        }
    }
}
