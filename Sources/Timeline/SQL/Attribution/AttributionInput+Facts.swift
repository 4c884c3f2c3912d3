import CaptureIO
#if canImport(Glibc)
import Glibc
#endif

extension AttributionInput {
    /// Reads the stores once: every request decoded, every statement's login, text and command.
    init(sql: SQLFactStore, http: HTTPFactStore) {
        var names = NameTable()
        var requests: [Request] = []
        requests.reserveCapacity(http.count)
        for position in http.positionsByStart() {
            let fact = http[position]
            var request = Request(index: position, start: fact.time.nanoseconds, end: fact.end.nanoseconds, service: fact.service,
                                  method: fact.method, path: fact.path, server: fact.server)
            for name in AttributionInput.carriedNames(fact) { request.names.append(names.intern(name)) }
            if fact.operation == .tokenValidate, (200..<300).contains(fact.status ?? 0),
               let issued = fact.tokenIssuedAt.flatMap(AttributionInput.sqlDateTime) {
                request.requiredNames = [names.intern(issued)]
            }
            requests.append(request)
        }
        var statements: [Statement] = []
        statements.reserveCapacity(sql.count)
        var service: [Int: String] = [:]
        var serviceFromLogin = Set<Int>()
        // Every statement repeats its connection's login: one that names no service is decoded
        // again only when it changes (COM_CHANGE_USER, Init DB), not for each statement.
        var loginNamingNone: [Int: LoginBytes] = [:]
        // Only statements sent while some request was in progress can name one of its names.
        let busy = AttributionInput.busyIntervals(requests)
        var interval = 0
        for position in sql.positionsByStart() {
            let connection = sql.connection(at: position)
            var statement = Statement(position: position, connection: connection, start: sql.time(at: position).nanoseconds,
                                      end: sql.end(at: position).nanoseconds, kind: .work)
            while interval < busy.count, busy[interval].end < statement.start { interval += 1 }
            let duringRequest = interval < busy.count && busy[interval].start <= statement.start
            _ = sql.partial(at: position) { bytes in
                SQLFactCodec.attributionFields(bytes) { user, database, text, command, verb in
                    statement.kind = StatementKind(command: command, verb: verb, statement: text)
                    var byLogin: String?
                    if !serviceFromLogin.contains(connection), user != nil || database != nil,
                       loginNamingNone[connection]?.isSame(user: user, database: database) != true {
                        byLogin = ServiceIdentity.service(user: user.map { String(decoding: $0, as: UTF8.self) },
                                                          database: database.map { String(decoding: $0, as: UTF8.self) })
                        if byLogin == nil { loginNamingNone[connection] = LoginBytes(user: user, database: database) }
                    }
                    if let byLogin {
                        service[connection] = byLogin
                        serviceFromLogin.insert(connection)
                    } else if service[connection] == nil, statement.kind == .work, let byTables = ServiceIdentity.service(tablesIn: text) {
                        service[connection] = byTables
                    }
                    if duringRequest, !names.isEmpty { statement.names = names.literals(in: text) }
                }
            }
            statements.append(statement)
        }
        self.init(requests: requests, statements: statements, serviceOfConnection: service)
    }

    /// The union of the requests' spans, as ordered disjoint intervals.
    static func busyIntervals(_ requests: [Request]) -> [(start: Int64, end: Int64)] {
        var merged: [(start: Int64, end: Int64)] = []
        for request in requests.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, request.start <= last.end {
                merged[merged.count - 1].end = max(last.end, request.end)
            } else {
                merged.append((request.start, request.end))
            }
        }
        return merged
    }

    /// The names a request carries that its statements may mention: the image it is about (id from
    /// the path, the `Location` or the response; name from the body), and for a Keystone token
    /// response the token's issue time as SQL writes it.
    static func carriedNames(_ fact: HTTPFact) -> [String] {
        var names: [String] = []
        if let id = fact.imageID { names.append(id) }
        if let name = fact.imageName, name.utf8.count >= 4, !glanceValues.contains(name) { names.append(name) }
        // Only a validation: an issue's response names its new token, which no statement of
        // that issue mentions, while validations of other tokens issued that second do.
        if fact.operation == .tokenValidate, let issued = fact.tokenIssuedAt.flatMap(sqlDateTime) { names.append(issued) }
        return names
    }

    /// Column values Glance writes in every image row: an image named so would seem named by
    /// every statement.
    static let glanceValues: Set<String> = [
        "active", "queued", "saving", "killed", "deleted", "pending_delete", "deactivated", "uploading", "importing",
        "public", "private", "shared", "community", "bare", "qcow2", "vmdk", "vhdx", "iso", "ploop", "docker", "ova",
    ]

    /// `2026-12-06T02:01:07.000000Z` -> `2026-12-06 02:01:07` (MySQL DATETIME, whole seconds).
    static func sqlDateTime(_ iso: String) -> String? {
        let bytes = Array(iso.utf8)
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") else { return nil }
        var out = bytes[0..<19]
        out[10] = UInt8(ascii: " ")
        return String(decoding: out, as: UTF8.self)
    }
}

/// A connection's login as its statements carry it (user, default database), kept to tell
/// whether the next statement's login is the same without decoding it.
struct LoginBytes {
    var user: [UInt8]?
    var database: [UInt8]?

    init(user: UnsafeRawBufferPointer?, database: UnsafeRawBufferPointer?) {
        self.user = user.map(Array.init)
        self.database = database.map(Array.init)
    }

    func isSame(user: UnsafeRawBufferPointer?, database: UnsafeRawBufferPointer?) -> Bool {
        func same(_ kept: [UInt8]?, _ bytes: UnsafeRawBufferPointer?) -> Bool {
            switch (kept, bytes) {
            case (nil, nil): return true
            case let (kept?, bytes?): return kept.elementsEqual(bytes)
            default: return false
            }
        }
        return same(self.user, user) && same(self.database, database)
    }
}

/// Interned names, and the quoted literals of a statement that equal one of them.
struct NameTable {
    private var ids: [String: Int32] = [:]
    /// Lengths of the names: a literal of another length is skipped without making a String.
    private var lengths = Set<Int>()

    var isEmpty: Bool { ids.isEmpty }

    mutating func intern(_ name: String) -> Int32 {
        if let id = ids[name] { return id }
        let id = Int32(ids.count)
        ids[name] = id
        lengths.insert(name.utf8.count)
        return id
    }

    /// Ids of the names that appear as single-quoted literals in `statement` (at most 64).
    func literals(in statement: UnsafeRawBufferPointer) -> [Int32] {
        var found: [Int32] = []
        var i = 0
        let count = statement.count
        guard let base = statement.baseAddress else { return [] }
        while i < count, found.count < 64 {
            guard let quote = memchr(base + i, 0x27, count - i) else { break }
            i = UnsafeRawPointer(quote) - base
            // A literal runs to the next quote that is not doubled or backslash-escaped.
            var j = i + 1
            var escaped = false
            while j < count {
                let byte = statement[j]
                if byte == UInt8(ascii: "\\") { escaped = true; j += 2; continue }
                if byte == UInt8(ascii: "'") {
                    if j + 1 < count, statement[j + 1] == UInt8(ascii: "'") { escaped = true; j += 2; continue }
                    break
                }
                j += 1
            }
            let length = min(j, count) - (i + 1)
            if !escaped, lengths.contains(length) {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: statement[(i + 1)..<(i + 1 + length)]), as: UTF8.self)
                if let id = ids[text], !found.contains(id) { found.append(id) }
            }
            i = j + 1
        }
        return found
    }
}
