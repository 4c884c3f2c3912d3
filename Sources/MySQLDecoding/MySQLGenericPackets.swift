import ByteReading
/// The OK packet (`0x00`, or `0xfe` when it ends a result set under CLIENT_DEPRECATE_EOF).
struct MySQLOKPacket {
    var affectedRows: UInt64 = 0
    var lastInsertID: UInt64 = 0
    var status: UInt16 = 0
    var warnings: UInt16 = 0
    var info: String?
    var changes: [MySQLSessionStateChange] = []

    static let sessionStateChanged: UInt16 = 0x4000

    init?(_ payload: UnsafeRawBufferPointer, capabilities: MySQLCapabilities) {
        var r = ByteReader(payload)
        guard let marker = r.readByte(), marker == 0x00 || marker == 0xfe,
              let affected = r.readLengthEncoded(), let insertID = r.readLengthEncoded() else { return nil }
        affectedRows = affected
        lastInsertID = insertID
        guard let s = r.readUInt16() else { return }
        status = s
        warnings = r.readUInt16() ?? 0
        guard !r.isAtEnd else { return }
        if capabilities.contains(.sessionTrack) {
            if let text = r.readLengthEncodedString(), !text.isEmpty { info = text }
            if status & MySQLOKPacket.sessionStateChanged != 0,
                let block = r.readLengthEncodedBytes(), let bytes = block {
                changes = MySQLOKPacket.parseSessionState(bytes)
            }
        } else {
            // The protocol documents string<EOF>, but servers write it with net_store_data:
            // length-prefixed. Take the prefix when it accounts for exactly the rest.
            var probe = r
            if let text = probe.readLengthEncodedBytes(), let bytes = text, probe.isAtEnd {
                if !bytes.isEmpty { info = String(wire: bytes) }
            } else {
                let rest = r.readRest()
                if !rest.isEmpty { info = String(wire: rest) }
            }
        }
    }

    /// Session state entries (`SESSION_TRACK_*`); malformed entries end the list.
    static func parseSessionState(_ bytes: UnsafeRawBufferPointer) -> [MySQLSessionStateChange] {
        var r = ByteReader(bytes)
        var out: [MySQLSessionStateChange] = []
        while !r.isAtEnd, out.count < 64 {
            guard let type = r.readByte(), let data = r.readLengthEncodedBytes(), let entry = data else { break }
            var e = ByteReader(entry)
            switch type {
            case 0:
                let name = e.readLengthEncodedString() ?? ""
                let value = e.readLengthEncodedString() ?? ""
                out.append(MySQLSessionStateChange(type: type, name: name, value: value))
            case 3:
                _ = e.readByte()
                out.append(MySQLSessionStateChange(type: type, name: "gtids", value: e.readLengthEncodedString() ?? ""))
            default:
                let names = ["system_variable", "schema", "state_change", "gtids",
                             "transaction_characteristics", "transaction_state"]
                let name = Int(type) < names.count ? names[Int(type)] : "type \(type)"
                out.append(MySQLSessionStateChange(type: type, name: name, value: e.readLengthEncodedString() ?? ""))
            }
        }
        return out
    }
}

/// The ERR packet (`0xff`).
struct MySQLErrorPacket {
    var code: UInt16
    var sqlState: String?
    var message: String

    /// MariaDB sends progress reports as ERR packets with code 0xffff; they end nothing.
    var isProgressReport: Bool { code == 0xffff }

    init?(_ payload: UnsafeRawBufferPointer) {
        var r = ByteReader(payload)
        guard r.readByte() == 0xff, let c = r.readUInt16() else { return nil }
        code = c
        if r.peekByte() == UInt8(ascii: "#"), r.readableBytes >= 6 {
            _ = r.skip(1)
            sqlState = r.readBytes(5).map { String(wire: $0) }
        }
        message = String(wire: r.readRest())
    }
}

/// The EOF packet (`0xfe`, payload of exactly 5 bytes under CLIENT_PROTOCOL_41).
struct MySQLEOFPacket {
    var warnings: UInt16 = 0
    var status: UInt16 = 0

    /// Whether a payload is an EOF packet rather than a row starting with an 8-byte length.
    static func matches(_ payload: UnsafeRawBufferPointer, totalLength: Int) -> Bool {
        payload.first == 0xfe && totalLength < 9
    }

    init(_ payload: UnsafeRawBufferPointer) {
        var r = ByteReader(payload)
        _ = r.readByte()
        warnings = r.readUInt16() ?? 0
        status = r.readUInt16() ?? 0
    }
}

extension MySQLColumn {
    /// Parses `Protocol::ColumnDefinition41`.
    init?(definition payload: UnsafeRawBufferPointer) {
        var r = ByteReader(payload)
        guard let catalog = r.readLengthEncodedBytes(), catalog != nil,
              let schema = r.readLengthEncodedString(), let table = r.readLengthEncodedString(),
              r.readLengthEncodedBytes() != nil,
              let name = r.readLengthEncodedString(), let originalName = r.readLengthEncodedString() else { return nil }
        // MariaDB's MARIADB_CLIENT_EXTENDED_TYPE_INFO inserts a length-encoded block (type name,
        // format) before the fixed fields, which are 0x0c then 12 bytes (the last 2 are filler).
        if r.readableBytes != 13, r.readLengthEncodedBytes() == nil { return nil }
        guard r.readLengthEncoded() != nil,
              let charset = r.readUInt16(), let length = r.readUInt32(), let type = r.readByte(),
              let flags = r.readUInt16(), let decimals = r.readByte() else { return nil }
        self.init(schema: schema, table: table, name: name, originalName: originalName, characterSet: charset,
                  length: length, type: MySQLFieldType(rawValue: type), flags: flags, decimals: decimals)
    }
}
