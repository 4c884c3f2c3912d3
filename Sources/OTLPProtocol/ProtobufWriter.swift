/// Fields in protobuf's binary wire format (protobuf.dev/programming-guides/encoding): a tag
/// (field number and wire type) then the value, varints little-endian base 128.
struct ProtobufWriter: OTLPFieldWriter {
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func tag(_ number: Int, _ type: WireType) {
        varint(UInt64(number) << 3 | type.rawValue)
    }

    private mutating func lengthDelimited(_ number: Int, _ value: some Collection<UInt8>) {
        tag(number, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    private mutating func littleEndian(_ value: some FixedWidthInteger) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ number: Int, _ name: StaticString, _ value: String) { lengthDelimited(number, value.utf8) }

    mutating func bool(_ number: Int, _ name: StaticString, _ value: Bool) {
        tag(number, .varint)
        varint(value ? 1 : 0)
    }

    mutating func int64(_ number: Int, _ name: StaticString, _ value: Int64) {
        tag(number, .varint)
        varint(UInt64(bitPattern: value))  // a negative number takes ten bytes, as int64 does
    }

    mutating func enumeration(_ number: Int, _ name: StaticString, _ value: Int32) {
        tag(number, .varint)
        varint(UInt64(bitPattern: Int64(value)))  // enums are int32: sign-extended
    }

    mutating func fixed32(_ number: Int, _ name: StaticString, _ value: UInt32) {
        tag(number, .fixed32)
        littleEndian(value)
    }

    mutating func fixed64(_ number: Int, _ name: StaticString, _ value: UInt64) {
        tag(number, .fixed64)
        littleEndian(value)
    }

    mutating func identifier(_ number: Int, _ name: StaticString, _ value: [UInt8]) { lengthDelimited(number, value) }

    mutating func message(_ number: Int, _ name: StaticString, _ value: some OTLPMessage) {
        // The length comes first, so the sub-message is written on its own and then copied in.
        lengthDelimited(number, value.protobuf)
    }

    mutating func messages<Element: OTLPMessage>(_ number: Int, _ name: StaticString, _ values: [Element]) {
        for value in values { message(number, name, value) }
    }
}
