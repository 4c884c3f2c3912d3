import Analysis
import CaptureIO
import Timeline

/// The lanes of the sequence view: who talks to whom. Each server endpoint is a party (Keystone,
/// Glance, the object store, each database, a TLS front such as haproxy); each client host is
/// one; a call a service made itself starts from that service's lane, not from a client's.
///
/// The caller of a call is found, in order: from `RequestRelations.causedBy` (when the analysis
/// knows it); for Keystone's token validation, from the request in progress that carried the
/// validated token (keystonemiddleware validates the token of the request it serves); for the
/// object store, from the Glance request in progress (glance_store writes during an upload);
/// otherwise the client's host.
struct SequenceParties {
    enum Kind: String, CaseIterable {
        case client
        case proxy
        case keystone
        case glance
        case objectStore = "object-store"
        case other
        case database

        var title: String {
            switch self {
            case .client: return "client"
            case .proxy: return "TLS front (haproxy)"
            case .keystone: return "Keystone"
            case .glance: return "Glance"
            case .objectStore: return "object store (Swift)"
            case .database: return "MariaDB"
            case .other: return "server"
            }
        }
    }

    struct Party: Equatable {
        var kind: Kind
        /// A client's host, a server's `ip:port`, or `*` for all clients in one lane.
        var endpoint: String
        var label: String

        init(kind: Kind, endpoint: String, label: String? = nil) {
            self.kind = kind
            self.endpoint = endpoint
            self.label = label ?? "\(kind.title) \(endpoint)"
        }
    }

    /// More client hosts than this share one lane: a hundred lanes of a few arrows each would
    /// push the servers off the screen. The detail of a request still names its client.
    static let maxClientLanes = 12

    /// In lane order: clients, proxies, Keystone, Glance, object stores, other servers, then the
    /// databases (added by `databaseLane` as statements are read).
    private(set) var parties: [Party] = []
    /// Per HTTP fact index: the lane of its server and of its caller.
    private(set) var serverOfRequest: [Int] = []
    private(set) var callerOfRequest: [Int] = []
    private var databaseLanes: [String: Int] = [:]

    /// Ports where a proxy terminates TLS in front of a service (TripleO's public endpoints).
    static let tlsFrontPorts = Set(OpenStackPorts.tlsFronts.map(String.init))

    init(_ result: AnalysisResult, relations: RequestRelations) {
        var found: [Party] = []
        var indexOf: [String: Int] = [:]
        func party(_ kind: Kind, _ endpoint: String) -> Int {
            let key = kind.rawValue + " " + endpoint
            if let known = indexOf[key] { return known }
            found.append(Party(kind: kind, endpoint: endpoint))
            indexOf[key] = found.count - 1
            return found.count - 1
        }

        struct Call { var time: Timestamp; var end: Timestamp; var service: String; var token: String?; var subject: String?; var operation: OpenStackOperation; var client: String }
        var calls: [Call] = []
        var servers: [Int] = []
        for fact in result.http {
            calls.append(Call(time: fact.time, end: fact.end, service: fact.service, token: fact.tokenFingerprint,
                              subject: fact.subjectTokenFingerprint, operation: fact.operation, client: fact.client))
            servers.append(party(Self.serverKind(fact), fact.server))
        }
        // Requests that carried each token, for finding who validated it.
        var carrying: [String: [Int]] = [:]
        for (i, call) in calls.enumerated() where call.service != "keystone" {
            if let token = call.token { carrying[token, default: []].append(i) }
        }
        let glanceCalls = calls.indices.filter { calls[$0].service == "glance" && relations.isLogical($0) }
        var callers: [Int] = []
        for (i, call) in calls.enumerated() {
            func during(_ j: Int) -> Bool { j != i && calls[j].time <= call.time && calls[j].end >= call.time }
            if let cause = relations.causedBy[i], servers.indices.contains(cause) {
                callers.append(servers[cause])
            } else if let front = relations.legOf[i], servers.indices.contains(front) {
                callers.append(servers[front])
            } else if call.operation == .tokenValidate, let subject = call.subject,
                      let validated = carrying[subject]?.last(where: during) {
                callers.append(servers[validated])
            } else if call.service == "swift", let upload = glanceCalls.last(where: during) {
                callers.append(servers[upload])
            } else {
                callers.append(party(.client, Self.host(of: call.client)))
            }
        }
        let clientHosts = found.indices.filter { found[$0].kind == .client }
        if clientHosts.count > Self.maxClientLanes {
            let all = party(.client, "*")
            found[all].label = "clients (\(clientHosts.count) hosts)"
            let merged = Set(clientHosts)
            callers = callers.map { merged.contains($0) ? all : $0 }
        }

        // Lane order by kind, then by first appearance; lanes no call uses are dropped.
        let used = Set(servers).union(callers)
        let order = found.indices.filter(used.contains).sorted {
            let a = Kind.allCases.firstIndex(of: found[$0].kind) ?? 0, b = Kind.allCases.firstIndex(of: found[$1].kind) ?? 0
            return a != b ? a < b : $0 < $1
        }
        var lane = Array(repeating: -1, count: found.count)
        for (position, index) in order.enumerated() { lane[index] = position }
        parties = order.map { found[$0] }
        serverOfRequest = servers.map { lane[$0] }
        callerOfRequest = callers.map { lane[$0] }
    }

    /// The lane of the database at `endpoint`, added below the others when new.
    mutating func databaseLane(_ endpoint: String) -> Int {
        if let known = databaseLanes[endpoint] { return known }
        parties.append(Party(kind: .database, endpoint: endpoint))
        databaseLanes[endpoint] = parties.count - 1
        return parties.count - 1
    }

    static func serverKind(_ fact: HTTPFact) -> Kind {
        if tlsFrontPorts.contains(port(of: fact.server)) { return .proxy }
        switch fact.service {
        case "keystone": return .keystone
        case "glance": return .glance
        case "swift": return .objectStore
        default: return .other
        }
    }

    /// The host part of `ip:port` or `[v6]:port`.
    static func host(of endpoint: String) -> String {
        guard let colon = endpoint.lastIndex(of: ":") else { return endpoint }
        return String(endpoint[..<colon])
    }

    static func port(of endpoint: String) -> String {
        guard let colon = endpoint.lastIndex(of: ":") else { return "" }
        return String(endpoint[endpoint.index(after: colon)...])
    }
}
