import ByteReading
import CaptureIO

/// What a certificate sent in the clear says about the server: names, validity, serial.
///
/// Built by a throwing-free initialiser from DER; fields that did not parse stay nil.
package struct TLSCertificateFacts: Sendable, Hashable {
    /// RFC 4514 text, most significant RDN last (`CN=glance.example,O=Example`), like `openssl -nameopt RFC2253`.
    package var subject: String?
    package var issuer: String?
    package var notBefore: Timestamp?
    package var notAfter: Timestamp?
    /// The serial number in lowercase hex, without leading zero bytes.
    package var serialNumber: String?
    /// subjectAltName dNSName and iPAddress entries.
    package var subjectAlternativeNames: [String] = []
    /// The DER length of the certificate.
    package var encodedLength: Int

    /// Parses an X.509 certificate; nil when the outer structure is not a certificate at all.
    package init?(derEncoded bytes: [UInt8]) {
        guard let facts = bytes.withUnsafeBytes({ TLSCertificateFacts(der: ByteReader($0)) }) else { return nil }
        self = facts
    }

    private init?(der bytes: ByteReader) {
        encodedLength = bytes.readableBytes
        var outer = DERReader(bytes)
        guard let certificate = outer.next(tag: DERReader.sequence) else { return nil }
        var certificateReader = DERReader(certificate)
        guard let tbs = certificateReader.next(tag: DERReader.sequence) else { return nil }
        var fields = DERReader(tbs)
        _ = fields.next(tag: 0xa0)  // [0] EXPLICIT version, absent for v1
        if let serial = fields.next(tag: DERReader.integer) {
            let digits = serial.unreadBytes.drop(while: { $0 == 0 })
            serialNumber = digits.isEmpty ? "00" : hexString(digits)
        }
        _ = fields.next(tag: DERReader.sequence)  // signature AlgorithmIdentifier
        if let name = fields.next(tag: DERReader.sequence) { issuer = TLSCertificateFacts.nameText(name) }
        if let validity = fields.next(tag: DERReader.sequence) {
            var times = DERReader(validity)
            if let (tag, contents) = times.next(), let seconds = DERReader.timeValue(tag: tag, contents) {
                notBefore = Timestamp(seconds: seconds, nanoseconds: 0)
            }
            if let (tag, contents) = times.next(), let seconds = DERReader.timeValue(tag: tag, contents) {
                notAfter = Timestamp(seconds: seconds, nanoseconds: 0)
            }
        }
        if let name = fields.next(tag: DERReader.sequence) { subject = TLSCertificateFacts.nameText(name) }
        _ = fields.next(tag: DERReader.sequence)  // subjectPublicKeyInfo
        while let (tag, contents) = fields.next() {
            guard tag == 0xa3 else { continue }  // [3] extensions
            var wrapper = DERReader(contents)
            if let list = wrapper.next(tag: DERReader.sequence) {
                subjectAlternativeNames = TLSCertificateFacts.alternativeNames(in: list)
            }
        }
    }

    private static let attributeNames: [String: String] = [
        "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "STREET",
        "2.5.4.10": "O", "2.5.4.11": "OU", "0.9.2342.19200300.100.1.25": "DC",
        "0.9.2342.19200300.100.1.1": "UID", "1.2.840.113549.1.9.1": "emailAddress",
    ]

    /// RFC 4514: RDNs in reverse order, joined by ",", multi-valued RDNs by "+".
    static func nameText(_ name: ByteReader) -> String {
        var rdns = [String]()
        var reader = DERReader(name)
        while let set = reader.next(tag: DERReader.set) {
            var attributes = [String]()
            var setReader = DERReader(set)
            while let attribute = setReader.next(tag: DERReader.sequence) {
                var fields = DERReader(attribute)
                guard let oid = fields.next(tag: DERReader.objectIdentifier),
                      let oidText = DERReader.objectIdentifierText(oid),
                      let (valueTag, value) = fields.next() else { continue }
                let key = attributeNames[oidText] ?? oidText
                attributes.append(key + "=" + escaped(DERReader.stringValue(tag: valueTag, value)))
            }
            rdns.append(attributes.joined(separator: "+"))
        }
        return rdns.reversed().joined(separator: ",")
    }

    private static func escaped(_ value: String) -> String {
        var out = ""
        for (index, c) in value.enumerated() {
            let special = ",+\"\\<>;".contains(c) || (index == 0 && (c == "#" || c == " "))
                || (index == value.count - 1 && c == " ")
            if special { out.append("\\") }
            out.append(c)
        }
        return out
    }

    private static func alternativeNames(in extensions: ByteReader) -> [String] {
        var reader = DERReader(extensions)
        while let ext = reader.next(tag: DERReader.sequence) {
            var fields = DERReader(ext)
            guard let oid = fields.next(tag: DERReader.objectIdentifier),
                  DERReader.objectIdentifierText(oid) == "2.5.29.17" else { continue }
            _ = fields.next(tag: DERReader.boolean)
            guard let value = fields.next(tag: DERReader.octetString) else { return [] }
            var valueReader = DERReader(value)
            guard let generalNames = valueReader.next(tag: DERReader.sequence) else { return [] }
            var names = [String]()
            var namesReader = DERReader(generalNames)
            while let (tag, contents) = namesReader.next() {
                if tag == 0x82 {  // [2] dNSName
                    names.append(DERReader.stringValue(tag: 0x16, contents))
                } else if tag == 0x87 {  // [7] iPAddress
                    let bytes = contents.unreadBytes
                    if bytes.count == 4 {
                        names.append(bytes.map(String.init).joined(separator: "."))
                    } else if bytes.count == 16 {
                        names.append(stride(from: 0, to: 16, by: 2).map {
                            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
                        }.joined(separator: ":"))
                    }
                }
            }
            return names
        }
        return []
    }
}
