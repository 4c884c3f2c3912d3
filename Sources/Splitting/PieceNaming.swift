import CaptureIO
#if canImport(Glibc)
import Glibc
#endif

/// editcap's names for the pieces of a split: `dir/name.ext` becomes
/// `dir/name_NNNNN_YYYYmmddHHMMSS.ext`.
///
/// As in editcap (`fileset_extract_prefix_suffix`), the suffix starts at the last `.` of the
/// last path component (`x.y.z` gives `x.y_00000_….z`); a name without one gets no suffix.
/// The time is the piece's first packet in local time (`TZ` is honoured), to the second.
package struct PieceNaming: Sendable {
    package let prefix: String
    package let suffix: String

    package init(output: String) {
        let lastSlash = output.lastIndex(of: "/")
        if let dot = output.lastIndex(of: "."), lastSlash.map({ dot > $0 }) ?? true {
            prefix = String(output[..<dot])
            suffix = String(output[dot...])
        } else {
            prefix = output
            suffix = ""
        }
        tzset()
    }

    /// The name of piece `index` (0-based) whose first packet was captured at `time`.
    package func name(index: Int, firstPacketTime time: Timestamp) -> String {
        "\(prefix)_\(PieceNaming.zeroPadded(index, width: 5))_\(PieceNaming.localTimeStamp(time))\(suffix)"
    }

    /// `YYYYmmddHHMMSS` in local time, or "" when the time cannot be represented (editcap's
    /// fallback when localtime fails).
    static func localTimeStamp(_ time: Timestamp) -> String {
        var seconds = time_t(time.seconds)
        var fields = tm()
        guard localtime_r(&seconds, &fields) != nil else { return "" }
        return "\(Int(fields.tm_year) + 1900)" + zeroPadded(Int(fields.tm_mon) + 1, width: 2)
            + zeroPadded(Int(fields.tm_mday), width: 2) + zeroPadded(Int(fields.tm_hour), width: 2)
            + zeroPadded(Int(fields.tm_min), width: 2) + zeroPadded(Int(fields.tm_sec), width: 2)
    }

    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
