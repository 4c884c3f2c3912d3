import CaptureIO
import Reassembly

/// One alert seen on a connection.
package struct TLSAlertFact: Sendable, Hashable, CustomStringConvertible {
    package var direction: FlowDirection
    package var time: Timestamp
    /// 1 warning, 2 fatal; nil when the alert was encrypted and not decrypted.
    package var level: UInt8?
    /// The AlertDescription code; nil when the alert was encrypted and not decrypted.
    package var code: UInt8?

    package init(direction: FlowDirection, time: Timestamp, level: UInt8?, code: UInt8?) {
        self.direction = direction
        self.time = time
        self.level = level
        self.code = code
    }

    package var isFatal: Bool { level == 2 }

    /// The RFC 8446 name (`close_notify`, `handshake_failure`), `encrypted` or `alert_N`.
    package var name: String {
        guard let code else { return "encrypted" }
        return TLSAlertFact.names[code] ?? "alert_\(code)"
    }

    package var description: String {
        let levelText = level == 2 ? "fatal" : level == 1 ? "warning" : "unknown level"
        let from = direction == .clientToServer ? "client" : "server"
        return code == nil ? "encrypted alert from \(from)" : "\(levelText) alert \(name) from \(from)"
    }

    // RFC 8446 section 6 and the TLS 1.2 registry entries still seen in the wild.
    static let names: [UInt8: String] = [
        0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
        22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
        42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
        45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
        49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
        70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
        86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
        109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
        112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
        115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
    ]
}
