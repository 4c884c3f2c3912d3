/// Fields in protobuf's binary wire format (protobuf.dev/programming-guides/encoding): a tag
/// (field number and wire type) then the value, varints little-endian base 128.
///
/// A sub-message is preceded by its length, so it is written in two passes, as protobuf's own
/// serialisers do (`ByteSizeLong`, then `Serialize`): `ProtobufSizer` measures every message once
/// and lists the sub-messages' sizes in the order they are written; this writer then writes each
/// length from that list and the sub-message in place, into a buffer of the exact size. Nothing is
/// copied from a child buffer into its parent (spans sit about seven levels deep).
struct ProtobufWriter: OTLPFieldWriter {
    private(set) var bytes: [UInt8] = []
    private let messageSizes: [Int]
    private var nextMessage = 0

    /// Writes `message` whole.
    static func encode(_ message: some OTLPMessage) -> [UInt8] {
        var sizer = ProtobufSizer()
        message.write(to: &sizer)
        var writer = ProtobufWriter(messageSizes: sizer.messageSizes, capacity: sizer.size)
        message.write(to: &writer)
        return writer.bytes
    }

    private init(messageSizes: [Int], capacity: Int) {
        self.messageSizes = messageSizes
        bytes.reserveCapacity(capacity)
    }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func tag(_ number: Int, _ type: ProtobufWireType) {
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
        // The sizer saw the same messages in the same order: the next size is this one's.
        let size = nextMessage < messageSizes.count ? messageSizes[nextMessage] : 0
        nextMessage += 1
        tag(number, .lengthDelimited)
        varint(UInt64(size))
        value.write(to: &self)
    }

    mutating func messages<Element: OTLPMessage>(_ number: Int, _ name: StaticString, _ values: [Element]) {
        for value in values { message(number, name, value) }
    }
}

enum ProtobufWireType: UInt64 {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
}

/// The first pass of `ProtobufWriter`: the encoded size of a message, and of each sub-message in
/// the order the writer meets them (a parent before its children).
struct ProtobufSizer: OTLPFieldWriter {
    private(set) var size = 0
    private(set) var messageSizes: [Int] = []

    static func varintSize(_ value: UInt64) -> Int {
        // 7 bits a byte; zero takes one.
        (64 - value.leadingZeroBitCount + 6) / 7 + (value == 0 ? 1 : 0)
    }

    private mutating func tag(_ number: Int) { size += Self.varintSize(UInt64(number) << 3) }

    private mutating func lengthDelimited(_ number: Int, _ count: Int) {
        tag(number)
        size += Self.varintSize(UInt64(count)) + count
    }

    mutating func string(_ number: Int, _ name: StaticString, _ value: String) { lengthDelimited(number, value.utf8.count) }

    mutating func bool(_ number: Int, _ name: StaticString, _ value: Bool) {
        tag(number)
        size += 1
    }

    mutating func int64(_ number: Int, _ name: StaticString, _ value: Int64) {
        tag(number)
        size += Self.varintSize(UInt64(bitPattern: value))
    }

    mutating func enumeration(_ number: Int, _ name: StaticString, _ value: Int32) {
        tag(number)
        size += Self.varintSize(UInt64(bitPattern: Int64(value)))
    }

    mutating func fixed32(_ number: Int, _ name: StaticString, _ value: UInt32) {
        tag(number)
        size += 4
    }

    mutating func fixed64(_ number: Int, _ name: StaticString, _ value: UInt64) {
        tag(number)
        size += 8
    }

    mutating func identifier(_ number: Int, _ name: StaticString, _ value: [UInt8]) { lengthDelimited(number, value.count) }

    mutating func message(_ number: Int, _ name: StaticString, _ value: some OTLPMessage) {
        let slot = messageSizes.count
        messageSizes.append(0)
        let outer = size
        size = 0
        value.write(to: &self)
        let inner = size
        messageSizes[slot] = inner
        size = outer
        lengthDelimited(number, inner)
    }

    mutating func messages<Element: OTLPMessage>(_ number: Int, _ name: StaticString, _ values: [Element]) {
        for value in values { message(number, name, value) }
    }
}
