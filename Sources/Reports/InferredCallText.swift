import CaptureIO
import Timeline

/// How the text reports name an exchange seen only as encrypted records, so that it never reads
/// like a decoded one: "encrypted call on 127.0.0.1:60108 -> :13292", "likely image-upload".
enum InferredCallText {
    /// "GET /v2/images -> 200" for a decoded exchange; "encrypted call on A -> :port (not
    /// decrypted)" for an inferred one.
    static func requestLine(_ f: HTTPFact) -> String {
        guard f.inferred else { return "\(f.method) \(f.path) -> \(f.status.map(String.init) ?? "no response")" }
        return call(f) + " (not decrypted)"
    }

    /// "encrypted call on 127.0.0.1:60108 -> :13292": the server's address is left out when it is the client's.
    static func call(_ f: HTTPFact) -> String {
        "encrypted call on \(f.client) -> \(server(f))"
    }

    static func server(_ f: HTTPFact) -> String {
        guard let colon = f.server.lastIndex(of: ":"), let clientColon = f.client.lastIndex(of: ":"),
              f.server[..<colon] == f.client[..<clientColon] else { return f.server }
        return String(f.server[colon...])
    }

    /// "likely image-upload", or "operation unknown".
    static func operation(_ f: HTTPFact) -> String {
        f.operation == .unknown ? "operation unknown" : "likely \(f.operation)"
    }

    /// The cited call of a lifecycle step: "during the encrypted call on A -> :13292 at
    /// 22:14:20.395, 8.39 MB sent, likely image-upload".
    static func citation(_ f: HTTPFact) -> String {
        "during the \(call(f)) at \(millisecondClock(f.time)), \(size(f.requestBytes)) sent, \(operation(f))"
    }

    /// "[glance, likely image-upload, 8.39 MB sent, 212 B received, 118.550 ms]"
    static func summary(_ f: HTTPFact) -> String {
        "[\(f.service), \(operation(f)), \(size(f.requestBytes)) sent, \(size(f.responseBytes)) received, "
            + "\(AnalysisText.milliseconds(f.time, f.end)) ms]"
    }

    /// Decimal units, as network tools count: "212 B", "4.10 kB", "8.39 MB".
    static func size(_ bytes: Int) -> String {
        let units: [(Double, String)] = [(1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (scale, unit) in units where Double(bytes) >= scale {
            let hundredths = Int((Double(bytes) / scale * 100).rounded())
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(unit)"
        }
        return "\(bytes) B"
    }

    /// Time of day to the millisecond, UTC ("22:14:20.395").
    static func millisecondClock(_ time: Timestamp) -> String {
        let clock = AnalysisText.clock(time)
        guard let dot = clock.firstIndex(of: ".") else { return clock }
        return String(clock[...dot]) + clock[clock.index(after: dot)...].prefix(3)
    }
}
