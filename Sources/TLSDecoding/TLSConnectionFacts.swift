import CaptureIO
import Reassembly

/// Record counts of one direction of a TLS connection.
package struct TLSRecordCounts: Sendable, Hashable {
    /// All records, whatever their type.
    package var records = 0
    /// Record bytes including the 5-byte headers.
    package var recordBytes = 0
    /// By the outer (header) content type: in TLS 1.3 protected records all say application_data.
    package var handshake = 0
    package var changeCipherSpec = 0
    package var alert = 0
    package var applicationData = 0
    package var heartbeat = 0
    /// Protected records opened with the logged keys.
    package var decryptedRecords = 0
    /// Protected records that stayed closed (no key, failed tag, after a gap, ...).
    package var undecryptedRecords = 0
    /// Decrypted application bytes handed to the inner consumer.
    package var plaintextBytes = 0
    /// Stream bytes dropped unparsed after the record layer was lost (gap, corrupt header).
    package var droppedBytes = 0
    package init() {}

    mutating func count(type: UInt8, bytes: Int) {
        records &+= 1
        recordBytes &+= bytes
        switch type {
        case 20: changeCipherSpec &+= 1
        case 21: alert &+= 1
        case 22: handshake &+= 1
        case 23: applicationData &+= 1
        default: heartbeat &+= 1
        }
    }
}

/// Whether a connection's protected records were decrypted, and if not why.
package enum TLSDecryptionStatus: Sendable, Hashable, CustomStringConvertible {
    /// No protected record was seen (plaintext handshake only, or not TLS).
    case notEncrypted
    /// Every protected record was opened.
    case decrypted
    /// Some records were opened, then decryption stopped for the reason given.
    case partiallyDecrypted(reason: String)
    /// No protected record was opened, for the reason given.
    case notDecrypted(reason: String)

    /// "decrypted", "no encrypted records", "not decrypted: no key for this session", ...
    package var description: String {
        switch self {
        case .notEncrypted: return "no encrypted records"
        case .decrypted: return "decrypted"
        case .partiallyDecrypted(let reason): return "partially decrypted: " + reason
        case .notDecrypted(let reason): return "not decrypted: " + reason
        }
    }

    package var isDecrypted: Bool { self == .decrypted }
}

/// What one TLS connection showed: handshake choices, records, decryption outcome.
///
/// Read it from `TLSConnectionDecoder.facts` at any time, or receive it in the decoder's
/// `onClose` callback when the connection ends.
package struct TLSConnectionFacts: Sendable, Hashable {
    package var connection: ConnectionInfo
    /// False when the first bytes were not a TLS record; the bytes then went to the inner consumer as they were.
    package var isTLS = true
    /// The negotiated version (ServerHello, supported_versions honoured).
    package var version: TLSVersion?
    /// Versions in the ClientHello's supported_versions, or its legacy version when it has none; GREASE left out.
    package var offeredVersions: [TLSVersion] = []
    /// SNI host name.
    package var serverName: String?
    package var offeredALPN: [String] = []
    /// The negotiated application protocol (ServerHello in TLS 1.2, EncryptedExtensions in TLS 1.3).
    package var alpn: String?
    package var offeredCipherSuites: [TLSCipherSuite] = []
    package var cipherSuite: TLSCipherSuite?
    /// The client offered to resume: a session id (TLS 1.2), a session ticket or a PSK.
    package var resumptionOffered = false
    /// The server resumed: an abbreviated TLS 1.2 handshake or an accepted TLS 1.3 PSK.
    package var resumed = false
    package var helloRetryRequest = false
    /// The client offered 0-RTT early data.
    package var earlyDataOffered = false
    /// TLS 1.2 extensions the server agreed to (RFC 7366, RFC 7627).
    package var encryptThenMAC = false
    package var extendedMasterSecret = false
    /// The ClientHello random, which names the session in key logs.
    package var clientRandom: [UInt8]?
    package var clientHelloTime: Timestamp?
    package var serverHelloTime: Timestamp?
    /// Certificates the server sent, leaf first: in the clear in TLS 1.2, decrypted in TLS 1.3.
    package var certificates: [TLSCertificateFacts] = []
    package var alerts: [TLSAlertFact] = []
    package var clientRecords = TLSRecordCounts()
    package var serverRecords = TLSRecordCounts()
    package var decryption: TLSDecryptionStatus = .notEncrypted
    /// TLS 1.3 KeyUpdate messages followed, both directions.
    package var keyUpdates = 0
    package var newSessionTickets = 0
    /// Anything unusual, one sentence each: gaps, corrupt records, renegotiation, ...
    package var notes: [String] = []

    package init(connection: ConnectionInfo) {
        self.connection = connection
    }

    /// The record counts of one direction.
    package func records(_ direction: FlowDirection) -> TLSRecordCounts {
        direction == .clientToServer ? clientRecords : serverRecords
    }
}
