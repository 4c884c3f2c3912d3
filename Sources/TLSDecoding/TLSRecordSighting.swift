import CaptureIO
import Reassembly

/// How a record's body was protected, as far as the handshake read in the clear tells.
///
/// Without keys this is all there is to say about the plaintext inside: its length is the
/// record's length less what the protection adds.
package enum TLSRecordProtection: Sendable, Hashable {
    /// Not protected (ClientHello, ServerHello, TLS 1.2 handshake before ChangeCipherSpec).
    case none
    /// TLS 1.3: the AEAD tag, one inner content type byte and padding (RFC 8446 5.2);
    /// `hashLength` is the suite's hash, which sizes the Finished message.
    case tls13(tagLength: Int, hashLength: Int)
    /// TLS 1.2 AEAD: an explicit nonce (8 bytes for AES-GCM, RFC 5288; none for ChaCha20, RFC 7905)
    /// and the tag.
    case tls12AEAD(nonceLength: Int, tagLength: Int)
    /// TLS 1.1+ CBC: the explicit IV, the HMAC and 1 to `blockLength` bytes of padding.
    case tls12CBC(ivLength: Int, macLength: Int, blockLength: Int)
    /// Protected under a suite this table does not know, or joined after the handshake.
    case unknown

    /// The plaintext lengths a record of `length` body bytes may carry.
    ///
    /// AEAD suites give one value (TLS 1.3 padding is assumed absent: no common stack pads);
    /// CBC gives the range its padding leaves open; an unknown protection gives 0...length.
    package func plaintextLength(ofRecord length: Int) -> ClosedRange<Int> {
        let length = max(length, 0)
        switch self {
        case .none:
            return length...length
        case .tls13(let tag, _):
            let n = max(length &- tag &- 1, 0)
            return n...n
        case .tls12AEAD(let nonce, let tag):
            let n = max(length &- nonce &- tag, 0)
            return n...n
        case .tls12CBC(let iv, let mac, let block):
            let high = max(length &- iv &- mac &- 1, 0)
            return max(length &- iv &- mac &- block, 0)...high
        case .unknown:
            return 0...length
        }
    }

    /// True when `plaintextLength(ofRecord:)` is a single value.
    package var isExact: Bool {
        switch self {
        case .none, .tls13, .tls12AEAD: return true
        case .tls12CBC, .unknown: return false
        }
    }

    /// "16-byte AEAD tag and 1 inner content type byte (padding assumed none)", for evidence lines.
    package var overheadDescription: String {
        switch self {
        case .none: return "nothing (not protected)"
        case .tls13(let tag, _): return "\(tag &+ 1) bytes each (\(tag)-byte AEAD tag and the inner content type; padding assumed none)"
        case .tls12AEAD(let nonce, let tag):
            return nonce > 0 ? "\(nonce &+ tag) bytes each (\(nonce)-byte explicit nonce and \(tag)-byte AEAD tag)"
                : "\(tag) bytes each (\(tag)-byte AEAD tag)"
        case .tls12CBC(let iv, let mac, let block):
            return "\(iv &+ mac &+ 1) to \(iv &+ mac &+ block) bytes each (\(iv)-byte IV, \(mac)-byte HMAC, 1 to \(block) bytes of CBC padding)"
        case .unknown: return "an unknown amount (cipher suite unknown): sizes are upper bounds"
        }
    }
}

/// One record as the record layer met it: what anyone sees on the wire, with or without keys.
package struct TLSRecordSighting: Sendable, Hashable {
    package var direction: FlowDirection
    /// Capture time of the packet that carried the record's first byte (decrypted data is
    /// stamped with the same time).
    package var time: Timestamp
    /// The content type in the record header (TLS 1.3 protected records all say 23).
    package var contentType: UInt8
    /// Body length, without the 5-byte header.
    package var length: Int
    package var protection: TLSRecordProtection
    /// The key log opened it.
    package var decrypted: Bool

    package init(direction: FlowDirection, time: Timestamp, contentType: UInt8, length: Int,
                protection: TLSRecordProtection, decrypted: Bool = false) {
        self.direction = direction
        self.time = time
        self.contentType = contentType
        self.length = length
        self.protection = protection
        self.decrypted = decrypted
    }

    /// The plaintext lengths the record may carry (see `TLSRecordProtection`).
    package var plaintextLength: ClosedRange<Int> { protection.plaintextLength(ofRecord: length) }
}

/// What `TLSConnectionDecoder.onRecordLayerEvent` reports, in stream order per direction.
package enum TLSRecordLayerEvent: Sendable, Hashable {
    case record(TLSRecordSighting)
    /// The record layer of this direction is lost from here on (lost bytes, corrupt header).
    case lost(FlowDirection, at: Timestamp)
    /// The direction ended with a FIN.
    case finished(FlowDirection, at: Timestamp)
    /// The connection is over; nothing follows.
    case closed(CloseReason, at: Timestamp)
}

extension TLSConnectionDecoder {
    /// The protection of a record arriving now on `s`, from the handshake read so far.
    func protection(of s: TLSDirectionStream) -> TLSRecordProtection {
        guard s.isProtected else { return .none }
        guard let hello = serverHello else { return .unknown }
        let suite = TLSCipherSuite(rawValue: hello.cipherSuite)
        if isTLS13 {
            // TLS_AES_128_CCM_8_SHA256 has an 8-byte tag; every other TLS 1.3 suite 16.
            let hash = suite.parameters?.prf.outputLength ?? (suite.rawValue == 0x1302 ? 48 : 32)
            return .tls13(tagLength: suite.rawValue == 0x1305 ? 8 : 16, hashLength: hash)
        }
        guard let parameters = suite.parameters else { return .unknown }
        switch parameters.bulk {
        case .aesGCM: return .tls12AEAD(nonceLength: 8, tagLength: 16)
        case .chaCha20Poly1305: return .tls12AEAD(nonceLength: 0, tagLength: 16)
        case .aesCBC: return .tls12CBC(ivLength: 16, macLength: parameters.macLength, blockLength: 16)
        }
    }
}
