import ByteReading
/// Extension code points used below (IANA TLS ExtensionType registry).
enum TLSExtensionType {
    static let serverName: UInt16 = 0
    static let alpn: UInt16 = 16
    static let encryptThenMAC: UInt16 = 22
    static let extendedMasterSecret: UInt16 = 23
    static let sessionTicket: UInt16 = 35
    static let preSharedKey: UInt16 = 41
    static let earlyData: UInt16 = 42
    static let supportedVersions: UInt16 = 43
}

/// The parts of a ClientHello (RFC 8446 4.1.2) this decoder reports or needs for keys.
struct TLSClientHello: Sendable {
    var legacyVersion: UInt16 = 0
    var random: [UInt8] = []
    var sessionID: [UInt8] = []
    var cipherSuites: [UInt16] = []
    var serverName: String?
    var alpn: [String] = []
    var supportedVersions: [UInt16] = []
    var sessionTicket = false
    var preSharedKey = false
    var earlyData = false

    init?(_ body: ByteReader) {
        var r = body
        guard let version = r.readInteger(as: UInt16.self), let random = r.readArray(32), var session = r.readVector8(),
              var suites = r.readVector16(), r.readVector8() != nil else { return nil }
        legacyVersion = version
        self.random = random
        sessionID = session.readArray(session.readableBytes) ?? []
        while let suite = suites.readInteger(as: UInt16.self) { cipherSuites.append(suite) }
        guard var extensions = r.readVector16() else { return }  // extensions are optional before TLS 1.3
        while let type = extensions.readInteger(as: UInt16.self), var data = extensions.readVector16() {
            switch type {
            case TLSExtensionType.serverName:
                guard var list = data.readVector16() else { break }
                while let nameType = list.readByte(), var name = list.readVector16() {
                    if nameType == 0, serverName == nil, let bytes = name.readArray(name.readableBytes) {
                        serverName = String(decoding: bytes, as: UTF8.self)
                    }
                }
            case TLSExtensionType.alpn:
                alpn = TLSClientHello.protocolNames(&data)
            case TLSExtensionType.supportedVersions:
                guard var list = data.readVector8() else { break }
                while let v = list.readInteger(as: UInt16.self) { supportedVersions.append(v) }
            case TLSExtensionType.sessionTicket:
                sessionTicket = data.readableBytes > 0
            case TLSExtensionType.preSharedKey:
                preSharedKey = true
            case TLSExtensionType.earlyData:
                earlyData = true
            default:
                break
            }
        }
    }

    /// ProtocolNameList: a 16-bit list of 8-bit-length names.
    static func protocolNames(_ data: inout ByteReader) -> [String] {
        var names = [String]()
        guard var list = data.readVector16() else { return names }
        while var name = list.readVector8() {
            names.append(String(decoding: name.readArray(name.readableBytes) ?? [], as: UTF8.self))
        }
        return names
    }
}

/// The parts of a ServerHello (RFC 8446 4.1.3) this decoder reports or needs for keys.
struct TLSServerHello: Sendable {
    var legacyVersion: UInt16 = 0
    var random: [UInt8] = []
    var sessionID: [UInt8] = []
    var cipherSuite: UInt16 = 0
    var selectedVersion: UInt16?
    var alpn: String?
    var preSharedKey = false
    var encryptThenMAC = false
    var extendedMasterSecret = false

    /// The negotiated version: supported_versions wins over the legacy field (RFC 8446 4.2.1).
    var version: UInt16 { selectedVersion ?? legacyVersion }

    /// SHA-256("HelloRetryRequest"): a ServerHello with this random is a HelloRetryRequest.
    static let helloRetryRequestRandom: [UInt8] = [
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    ]
    var isHelloRetryRequest: Bool { random == TLSServerHello.helloRetryRequestRandom }

    init?(_ body: ByteReader) {
        var r = body
        guard let version = r.readInteger(as: UInt16.self), let random = r.readArray(32), var session = r.readVector8(),
              let suite = r.readInteger(as: UInt16.self), r.readByte() != nil else { return nil }
        legacyVersion = version
        self.random = random
        sessionID = session.readArray(session.readableBytes) ?? []
        cipherSuite = suite
        guard var extensions = r.readVector16() else { return }
        while let type = extensions.readInteger(as: UInt16.self), var data = extensions.readVector16() {
            switch type {
            case TLSExtensionType.supportedVersions: selectedVersion = data.readInteger(as: UInt16.self)
            case TLSExtensionType.alpn: alpn = TLSClientHello.protocolNames(&data).first
            case TLSExtensionType.preSharedKey: preSharedKey = true
            case TLSExtensionType.encryptThenMAC: encryptThenMAC = true
            case TLSExtensionType.extendedMasterSecret: extendedMasterSecret = true
            default: break
            }
        }
    }
}

/// Handshake bodies that carry facts but no keys.
enum TLSHandshakeBodies {
    /// EncryptedExtensions (TLS 1.3): the negotiated ALPN, if any.
    static func alpn(inEncryptedExtensions body: ByteReader) -> String? {
        var r = body
        guard var extensions = r.readVector16() else { return nil }
        while let type = extensions.readInteger(as: UInt16.self), var data = extensions.readVector16() {
            if type == TLSExtensionType.alpn { return TLSClientHello.protocolNames(&data).first }
        }
        return nil
    }

    /// Certificate: the DER of each certificate, TLS 1.2 (RFC 5246 7.4.2) or TLS 1.3 (RFC 8446 4.4.2) layout.
    static func certificates(in body: ByteReader, tls13: Bool) -> [[UInt8]] {
        var r = body
        if tls13 { guard r.readVector8() != nil else { return [] } }  // certificate_request_context
        guard var list = r.readVector24() else { return [] }
        var certificates = [[UInt8]]()
        while var entry = list.readVector24() {
            certificates.append(entry.readArray(entry.readableBytes) ?? [])
            if tls13 { guard list.readVector16() != nil else { break } }  // per-certificate extensions
        }
        return certificates
    }
}
