import Analysis
import ArgumentParser
import Timeline

/// One `--port N[=http|mysql|tls]`: a server port to follow and, optionally, the protocol to
/// decode on it whatever its first bytes look like (tshark's `-d tcp.port==N,mysql`).
struct PortArgument: ExpressibleByArgument {
    /// As typed, for messages.
    let text: String
    let port: UInt16?
    let decodedAs: PortProtocol?
    /// Why the argument is not valid, for `validate()`.
    let problem: String?

    init?(argument: String) {
        text = argument
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let number = Int(parts[0]).flatMap { UInt16(exactly: $0) }
        port = number == 0 ? nil : number
        if parts.count == 2 {
            decodedAs = PortProtocol(rawValue: parts[1].lowercased())
        } else {
            decodedAs = nil
        }
        if port == nil {
            problem = "--port \(argument): \(parts[0]) is not a TCP port (1-65535)."
        } else if parts.count == 2 && decodedAs == nil {
            problem = "--port \(argument): '\(parts[1])' is not a protocol glancetrace decodes (http, mysql, tls)."
        } else {
            problem = nil
        }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension Array where Element == PortArgument {
    /// The ports named, valid ones only.
    var ports: [UInt16] { compactMap(\.port) }

    /// Ports given a protocol: the last one given for a port wins.
    var protocols: [UInt16: PortProtocol] {
        var result: [UInt16: PortProtocol] = [:]
        for argument in self {
            if let port = argument.port, let decodedAs = argument.decodedAs { result[port] = decodedAs }
        }
        return result
    }

    /// Throws the first invalid argument's message.
    func validate() throws {
        if let problem = compactMap(\.problem).first { throw ValidationError(problem) }
    }
}
