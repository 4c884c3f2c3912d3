/// A message of OpenTelemetry's trace protocol that glancetrace writes: it lists its fields once,
/// and a field writer turns them into the protobuf binary form or OTLP/JSON.
///
/// A message writes its fields in field-number order and leaves out proto3 defaults (an empty
/// string or list, a zero number) itself, as protoc's generated code does; members of a oneof
/// and sub-messages that are set are written whatever their value. So the bytes are those
/// swift-protobuf wrote for the same values, and OpenTelemetry's own definitions read them.
package protocol OTLPMessage {
    /// Hands each field that is not at its default to `fields`, in field-number order.
    func write(to fields: inout some OTLPFieldWriter)
}

/// Where a message's fields go: a protobuf field number and the OTLP/JSON member name (the
/// field's lowerCamelCase name) for each.
package protocol OTLPFieldWriter {
    mutating func string(_ number: Int, _ name: StaticString, _ value: String)
    mutating func bool(_ number: Int, _ name: StaticString, _ value: Bool)
    mutating func int64(_ number: Int, _ name: StaticString, _ value: Int64)
    /// An enum, by its number (OTLP/JSON writes enums as integers).
    mutating func enumeration(_ number: Int, _ name: StaticString, _ value: Int32)
    mutating func fixed32(_ number: Int, _ name: StaticString, _ value: UInt32)
    mutating func fixed64(_ number: Int, _ name: StaticString, _ value: UInt64)
    /// A trace or span id: `bytes` on the wire, lowercase hex in OTLP/JSON (the OTLP
    /// specification's exception to the protobuf JSON mapping's base64).
    mutating func identifier(_ number: Int, _ name: StaticString, _ value: [UInt8])
    mutating func message(_ number: Int, _ name: StaticString, _ value: some OTLPMessage)
    mutating func messages<Element: OTLPMessage>(_ number: Int, _ name: StaticString, _ values: [Element])
}

extension OTLPMessage {
    /// The protobuf binary encoding (what an OTLP/HTTP `application/x-protobuf` body holds).
    package var protobuf: [UInt8] { ProtobufWriter.encode(self) }

    /// The OTLP/JSON encoding, as UTF-8, without whitespace.
    package var json: [UInt8] {
        var writer = OTLPJSONWriter()
        writer.object(self)
        return writer.bytes
    }
}
