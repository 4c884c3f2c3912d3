import CaptureIO
import Reassembly

/// Record counts of one direction of a TLS connection.
public struct TLSRecordCounts: Sendable, Hashable {
    /// All records, whatever their type.
    public var records = 0
    /// Record bytes including the 5-byte headers.
    public var recordBytes = 0
    /// By the outer (header) content type: in TLS 1.3 protected records all say application_data.
    public var handshake = 0
    public var changeCipherSpec = 0
    public var alert = 0
    public var applicationData = 0
    public var heartbeat = 0
    /// Protected records opened with the logged keys.
    public var decryptedRecords = 0
    /// Protected records that stayed closed (no key, failed tag, after a gap, ...).
    public var undecryptedRecords = 0
    /// Decrypted application bytes handed to the inner consumer.
    public var plaintextBytes = 0
    /// Stream bytes dropped unparsed after the record layer was lost (gap, corrupt header).
    public var droppedBytes = 0
    public init() {}

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
public enum TLSDecryptionStatus: Sendable, Hashable, CustomStringConvertible {
    /// No protected record was seen (plaintext handshake only, or not TLS).
    case notEncrypted
    /// Every protected record was opened.
    case decrypted
    /// Some records were opened, then decryption stopped for the reason given.
    case partiallyDecrypted(reason: String)
    /// No protected record was opened, for the reason given.
    case notDecrypted(reason: String)

    /// "decrypted", "no encrypted records", "not decrypted: no key for this session", ...
    public var description: String {
        switch self {
        case .notEncrypted: return "no encrypted records"
        case .decrypted: return "decrypted"
        case .partiallyDecrypted(let reason): return "partially decrypted: " + reason
        case .notDecrypted(let reason): return "not decrypted: " + reason
        }
    }

    public var isDecrypted: Bool { self == .decrypted }
}

/// What one TLS connection showed: handshake choices, records, decryption outcome.
///
/// Read it from `TLSConnectionDecoder.facts` at any time, or receive it in the decoder's
/// `onClose` callback when the connection ends.
public struct TLSConnectionFacts: Sendable, Hashable {
    public var connection: ConnectionInfo
    /// False when the first bytes were not a TLS record; the bytes then went to the inner consumer as they were.
    public var isTLS = true
    /// The negotiated version (ServerHello, supported_versions honoured).
    public var version: TLSVersion?
    /// Versions in the ClientHello's supported_versions, or its legacy version when it has none; GREASE left out.
    public var offeredVersions: [TLSVersion] = []
    /// SNI host name.
    public var serverName: String?
    public var offeredALPN: [String] = []
    /// The negotiated application protocol (ServerHello in TLS 1.2, EncryptedExtensions in TLS 1.3).
    public var alpn: String?
    public var offeredCipherSuites: [TLSCipherSuite] = []
    public var cipherSuite: TLSCipherSuite?
    /// The client offered to resume: a session id (TLS 1.2), a session ticket or a PSK.
    public var resumptionOffered = false
    /// The server resumed: an abbreviated TLS 1.2 handshake or an accepted TLS 1.3 PSK.
    public var resumed = false
    public var helloRetryRequest = false
    /// The client offered 0-RTT early data.
    public var earlyDataOffered = false
    /// TLS 1.2 extensions the server agreed to (RFC 7366, RFC 7627).
    public var encryptThenMAC = false
    public var extendedMasterSecret = false
    /// The ClientHello random, which names the session in key logs.
    public var clientRandom: [UInt8]?
    public var clientHelloTime: Timestamp?
    public var serverHelloTime: Timestamp?
    /// Certificates the server sent, leaf first: in the clear in TLS 1.2, decrypted in TLS 1.3.
    public var certificates: [TLSCertificateFacts] = []
    public var alerts: [TLSAlertFact] = []
    public var clientRecords = TLSRecordCounts()
    public var serverRecords = TLSRecordCounts()
    public var decryption: TLSDecryptionStatus = .notEncrypted
    /// TLS 1.3 KeyUpdate messages followed, both directions.
    public var keyUpdates = 0
    public var newSessionTickets = 0
    /// Anything unusual, one sentence each: gaps, corrupt records, renegotiation, ...
    public var notes: [String] = []

    public init(connection: ConnectionInfo) {
        self.connection = connection
    }

    /// The record counts of one direction.
    public func records(_ direction: FlowDirection) -> TLSRecordCounts {
        direction == .clientToServer ? clientRecords : serverRecords
    }
}
