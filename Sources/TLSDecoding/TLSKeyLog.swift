import CaptureIO

/// The secrets an NSS key log gives for one TLS session, found by its ClientHello random.
package struct TLSSessionSecrets: Sendable, Hashable {
    /// TLS 1.2 and earlier: `CLIENT_RANDOM` (48 bytes).
    package var masterSecret: [UInt8]?
    /// TLS 1.3: `CLIENT_EARLY_TRAFFIC_SECRET` (0-RTT data; kept, not used for decryption yet).
    package var clientEarlyTrafficSecret: [UInt8]?
    package var clientHandshakeTrafficSecret: [UInt8]?
    package var serverHandshakeTrafficSecret: [UInt8]?
    package var clientTrafficSecret0: [UInt8]?
    package var serverTrafficSecret0: [UInt8]?
    package init() {}

    /// Copies every secret `other` has over this one's.
    mutating func merge(_ other: TLSSessionSecrets) {
        masterSecret = other.masterSecret ?? masterSecret
        clientEarlyTrafficSecret = other.clientEarlyTrafficSecret ?? clientEarlyTrafficSecret
        clientHandshakeTrafficSecret = other.clientHandshakeTrafficSecret ?? clientHandshakeTrafficSecret
        serverHandshakeTrafficSecret = other.serverHandshakeTrafficSecret ?? serverHandshakeTrafficSecret
        clientTrafficSecret0 = other.clientTrafficSecret0 ?? clientTrafficSecret0
        serverTrafficSecret0 = other.serverTrafficSecret0 ?? serverTrafficSecret0
    }
}

/// TLS session secrets from NSS key logs (`SSLKEYLOGFILE`), keyed by client random.
///
/// Several sources merge: key log files from the client and the server of one deployment, and
/// the Decryption Secrets Blocks of pcapng files. Lines this decoder has no use for
/// (`EXPORTER_SECRET`, `RSA`, comments) are skipped; malformed lines are counted, never fatal.
///
/// ```swift
/// var keyLog = TLSKeyLog()
/// keyLog.add(text: try String(contentsOfFile: "/tmp/keys.log", encoding: .utf8))
/// for secrets in reader.secrets { keyLog.add(secrets) }   // pcapng DSB
/// ```
package struct TLSKeyLog: Sendable {
    private var sessions: [[UInt8]: TLSSessionSecrets] = [:]
    /// Lines that looked like key log entries but did not parse (bad hex, wrong lengths).
    package private(set) var malformedLines = 0
    /// Well-formed lines with labels this decoder does not use (`EXPORTER_SECRET`, `RSA`, ...).
    package private(set) var ignoredLines = 0

    package init() {}

    /// Parses key log text.
    package init(text: String) {
        add(text: text)
    }

    /// How many sessions have at least one secret.
    package var sessionCount: Int { sessions.count }
    package var isEmpty: Bool { sessions.isEmpty }

    /// The secrets logged for the session whose ClientHello carried `clientRandom` (32 bytes).
    package func secrets(forClientRandom clientRandom: [UInt8]) -> TLSSessionSecrets? {
        sessions[clientRandom]
    }

    /// Adds the lines of NSS key log text.
    package mutating func add(text: String) {
        add(bytes: Array(text.utf8))
    }

    /// Adds NSS key log bytes (a file's contents or a pcapng DSB's secrets data).
    package mutating func add<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        var line = [UInt8]()
        line.reserveCapacity(256)
        for byte in bytes {
            if byte == 0x0a || byte == 0x0d {
                addLine(line)
                line.removeAll(keepingCapacity: true)
            } else if line.count < 4096 {
                line.append(byte)
            }
        }
        addLine(line)
    }

    /// Adds a pcapng Decryption Secrets Block if it holds an NSS key log (type `TLSK`).
    package mutating func add(_ secrets: DecryptionSecrets) {
        guard secrets.type == DecryptionSecrets.tlsKeyLogType else { return }
        add(bytes: secrets.data)
    }

    /// Adds every session of another key log; its secrets win where both have one.
    package mutating func merge(_ other: TLSKeyLog) {
        for (random, secrets) in other.sessions {
            sessions[random, default: TLSSessionSecrets()].merge(secrets)
        }
        malformedLines &+= other.malformedLines
        ignoredLines &+= other.ignoredLines
    }

    private mutating func addLine(_ line: [UInt8]) {
        // Fields are separated by single spaces (NSS format); tolerate runs of blanks.
        let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
        guard let first = fields.first, first.first != UInt8(ascii: "#") else { return }
        let label = String(decoding: first, as: UTF8.self)
        let known = ["CLIENT_RANDOM", "CLIENT_EARLY_TRAFFIC_SECRET", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                     "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]
        guard known.contains(label) else {
            ignoredLines &+= 1
            return
        }
        guard fields.count == 3,
              let random = bytesFromHex(String(decoding: fields[1], as: UTF8.self)), random.count == 32,
              let secret = bytesFromHex(String(decoding: fields[2], as: UTF8.self))
        else {
            malformedLines &+= 1
            return
        }
        // A master secret is 48 bytes; TLS 1.3 secrets are a hash length (32 or 48).
        let validLength = label == "CLIENT_RANDOM" ? secret.count == 48 : (secret.count == 32 || secret.count == 48)
        guard validLength else {
            malformedLines &+= 1
            return
        }
        var entry = sessions[random] ?? TLSSessionSecrets()
        switch label {
        case "CLIENT_RANDOM": entry.masterSecret = secret
        case "CLIENT_EARLY_TRAFFIC_SECRET": entry.clientEarlyTrafficSecret = secret
        case "CLIENT_HANDSHAKE_TRAFFIC_SECRET": entry.clientHandshakeTrafficSecret = secret
        case "SERVER_HANDSHAKE_TRAFFIC_SECRET": entry.serverHandshakeTrafficSecret = secret
        case "CLIENT_TRAFFIC_SECRET_0": entry.clientTrafficSecret0 = secret
        default: entry.serverTrafficSecret0 = secret
        }
        sessions[random] = entry
    }
}
