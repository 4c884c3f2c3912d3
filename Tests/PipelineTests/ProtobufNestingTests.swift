import OTLPProtocol
import TestSupport
import Testing

/// The protobuf writer sizes sub-messages first and writes them in place; here it is checked
/// against the plain way (each sub-message encoded on its own, then copied in after its length)
/// where lengths take one, two and three varint bytes at every level of nesting.
@Suite struct ProtobufNestingTests {
    /// The reference: every sub-message encoded into a buffer of its own and copied into its parent.
    struct CopyingWriter: OTLPFieldWriter {
        var bytes: [UInt8] = []

        mutating func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }

        mutating func field(_ number: Int, _ type: UInt64, _ payload: [UInt8]) {
            varint(UInt64(number) << 3 | type)
            if type == 2 { varint(UInt64(payload.count)) }
            bytes += payload
        }

        mutating func string(_ number: Int, _ name: StaticString, _ value: String) { field(number, 2, Array(value.utf8)) }
        mutating func bool(_ number: Int, _ name: StaticString, _ value: Bool) { varint(UInt64(number) << 3); varint(value ? 1 : 0) }
        mutating func int64(_ number: Int, _ name: StaticString, _ value: Int64) { varint(UInt64(number) << 3); varint(UInt64(bitPattern: value)) }
        mutating func enumeration(_ number: Int, _ name: StaticString, _ value: Int32) {
            varint(UInt64(number) << 3)
            varint(UInt64(bitPattern: Int64(value)))
        }
        mutating func fixed32(_ number: Int, _ name: StaticString, _ value: UInt32) {
            field(number, 5, withUnsafeBytes(of: value.littleEndian) { Array($0) })
        }
        mutating func fixed64(_ number: Int, _ name: StaticString, _ value: UInt64) {
            field(number, 1, withUnsafeBytes(of: value.littleEndian) { Array($0) })
        }
        mutating func identifier(_ number: Int, _ name: StaticString, _ value: [UInt8]) { field(number, 2, value) }
        mutating func message(_ number: Int, _ name: StaticString, _ value: some OTLPMessage) {
            var inner = CopyingWriter()
            value.write(to: &inner)
            field(number, 2, inner.bytes)
        }
        mutating func messages<Element: OTLPMessage>(_ number: Int, _ name: StaticString, _ values: [Element]) {
            for value in values { message(number, name, value) }
        }
    }

    static func reference(_ message: some OTLPMessage) -> [UInt8] {
        var writer = CopyingWriter()
        message.write(to: &writer)
        return writer.bytes
    }

    /// Spans whose texts make the sub-messages around them 1, 2 and 3 varint bytes long.
    @Test(arguments: [0, 1, 100, 126, 127, 128, 16_383, 16_384, 70_000])
    func inPlaceIsWhatCopyingWrites(textLength: Int) {
        var random = SplitMix64(seed: UInt64(textLength))
        var spans: [OTLPSpan] = []
        for index in 0..<3 {
            var span = OTLPSpan()
            span.traceID = random.bytes(16)
            span.spanID = random.bytes(8)
            span.name = String(repeating: "n", count: textLength / (index + 1))
            span.kind = .server
            span.startTimeUnixNano = random.next()
            span.attributes = [OTLPKeyValue("db.query.text", String(repeating: "q", count: textLength)),
                               OTLPKeyValue("list", ["a", String(repeating: "b", count: textLength / 2)]), OTLPKeyValue("n", -1)]
            var event = OTLPSpan.Event()
            event.name = "status"
            event.attributes = [OTLPKeyValue("x", String(repeating: "e", count: textLength))]
            span.events = [event]
            span.status = .init(code: .error, message: String(repeating: "m", count: textLength % 300))
            spans.append(span)
        }
        let request = OTLPExportRequest(resourceSpans: [
            OTLPResourceSpans(resource: OTLPResource(attributes: [OTLPKeyValue("service.name", "glance")]),
                              scopeSpans: [OTLPScopeSpans(scopeName: "glancetrace", spans: spans), OTLPScopeSpans(scopeName: "", spans: [])]),
        ])
        let expected = Self.reference(request)
        #expect(request.protobuf == expected)
        #expect(spans[0].protobuf == Self.reference(spans[0]))
    }
}
