import CaptureIO

/// Finds, for the calls a service makes itself, the request it was serving: keystonemiddleware's
/// token validation (`GET /v3/auth/tokens`) inside a Glance request, glance_store's Swift calls
/// inside an upload or download (or Glance's import task), Swift's own token validation inside
/// the Swift call. Pure: facts in, causes out.
///
/// The evidence, strongest first:
/// - a validation's `X-Subject-Token` is the `X-Auth-Token` of a request in progress (of another
///   service): that request asked for it;
/// - a Swift object is named after the image of a Glance request in progress (glance_store names
///   objects `<image id>`, segments `<image id>-00001`...), or carries that request's own token
///   (a multi-tenant store);
/// - a token issued during a request and first used by a call that request caused (the service's
///   own token: keystonemiddleware's, glance_store's);
/// - a neighbouring call on the same connection belongs to a request still in progress
///   (glance_store's container `HEAD` before the object `PUT`, keystonemiddleware's discovery);
/// - glance_store's later Swift calls of an image whose import was answered already (the task);
/// - timing alone, for a call on a connection whose other calls a service made (a connection is
///   one process's: keystonemiddleware's discovery while several Glance requests wait), or a
///   Swift call made with a token Glance is known to use: the requests of that service in
///   progress around it.
///
/// A caller is at work when the call starts, and normally waits for its answer; but a caller that
/// gives up (glance_store's Swift timeout: Glance answers 500, Swift answers 499 a minute later)
/// no longer contains the call. So evidence the two share needs only the start inside the
/// caller; timing prefers callers that contain the whole call. Several fits by the same evidence
/// make the latest-started one `likely`; timing with several fits is `ambiguous`.
package enum CallCausation {
    /// What causation reads of one HTTP exchange.
    package struct Call: Sendable {
        /// The exchange's index (`HTTPFact.index`).
        package var index: Int
        /// When the request began.
        package var time: Timestamp
        /// When the exchange ended.
        package var end: Timestamp
        /// The TCP connection it travelled on.
        package var connection: Int
        /// The service's JSON spelling (`keystone`, `glance`, `swift`, `other`).
        package var service: String
        /// What the call does.
        package var operation: OpenStackOperation
        /// The image it names, if any (for Swift, the image the object is named after).
        package var imageID: String?
        /// Fingerprint of `X-Auth-Token`.
        package var token: String?
        /// Fingerprint of `X-Subject-Token` (the token validated, or issued).
        package var subjectToken: String?

        /// A call from its parts (tests).
        package init(index: Int, time: Timestamp, end: Timestamp, connection: Int, service: String, operation: OpenStackOperation,
                    imageID: String? = nil, token: String? = nil, subjectToken: String? = nil) {
            self.index = index
            self.time = time
            self.end = end
            self.connection = connection
            self.service = service
            self.operation = operation
            self.imageID = imageID
            self.token = token
            self.subjectToken = subjectToken
        }

        /// What causation reads of `fact`.
        package init(_ fact: HTTPFact) {
            self.init(index: fact.index, time: fact.time, end: fact.end, connection: fact.connection, service: fact.service,
                      operation: fact.operation, imageID: fact.imageID, token: fact.tokenFingerprint,
                      subjectToken: fact.subjectTokenFingerprint)
        }

        func contains(_ other: Call) -> Bool { time <= other.time && end >= other.end }
        func isAtWork(at moment: Timestamp) -> Bool { time <= moment && end >= moment }
    }

    /// Calls one service may make for another: every Keystone and Swift call.
    static func mayBeCaused(_ call: Call) -> Bool { call.service == "keystone" || call.service == "swift" }

    /// Glance operations that read or write the image store.
    static let storeOperations: Set<OpenStackOperation> = [
        "image-upload", "image-download", "image-delete", "image-import", "image-store-delete",
    ]

    /// Causes by the index of the call caused; `calls` in start order.
    package static func attribute(_ calls: [Call]) -> [Int: CallCause] {
        var state = State(calls: calls)
        for position in calls.indices { state.sweep(position) }
        state.settle()
        return state.causes
    }

    /// The calls each request caused, in start order.
    package static func callsByRequest(_ causes: [Int: CallCause]) -> [Int: [Int]] {
        var result: [Int: [Int]] = [:]
        for (call, cause) in causes {
            if let request = cause.request { result[request, default: []].append(call) }
        }
        for key in Array(result.keys) { result[key]?.sort() }
        return result
    }

    /// What the passes share: the causes found, the windows of the requests they name, and what
    /// the second pass needs of each possibly caused call.
    struct State {
        /// A cause's request: when it was at work, and its service.
        struct Window {
            var start: Timestamp
            var end: Timestamp
            var service: String
            init(_ request: Call) {
                start = request.time
                end = request.end
                service = request.service
            }
        }

        /// A Keystone or Swift call, and for one without a cause from the first pass, the requests
        /// of other services in progress around it (positions in `calls`, at most `maxAround`:
        /// more than that is no evidence). Positions, not copies: a busy capture has a hundred
        /// thousand client token requests, each during a few dozen uploads.
        struct ServiceCall {
            var call: Call
            var around: [Int32]
        }

        let calls: [Call]
        var causes: [Int: CallCause] = [:]
        /// Requests in progress at the sweep's time that may cause calls (positions in `calls`).
        var active: [Int] = []
        var serviceCalls: [ServiceCall] = []
        static let maxAround = 32
        var firstUse: [String: Int] = [:]
        var windows: [Int: Window] = [:]
        var imports: [String: [Call]] = [:]

        init(calls: [Call]) {
            self.calls = calls
        }

        func around(_ entry: ServiceCall) -> [Call] { entry.around.map { calls[Int($0)] } }

        mutating func sweep(_ position: Int) {
            let call = calls[position]
            active.removeAll { calls[$0].end < call.time }
            if let token = call.token, firstUse[token] == nil { firstUse[token] = call.index }
            if CallCausation.mayBeCaused(call) {
                let around = active.filter {
                    let request = calls[$0]
                    return request.isAtWork(at: call.time) && request.service != call.service && request.service != "keystone"
                }
                var kept: [Int32] = []
                if let (cause, request) = direct(call, around.map { calls[$0] }) {
                    causes[call.index] = cause
                    windows[request.index] = Window(request)
                } else {
                    kept = around.suffix(State.maxAround).map { Int32(truncatingIfNeeded: $0) }
                }
                serviceCalls.append(ServiceCall(call: call, around: kept))
            }
            if call.service != "keystone" { active.append(position) }
            if call.service == "glance", call.operation == .imageImport, let image = call.imageID {
                imports[image, default: []].append(call)
            }
        }

        /// A cause by what the call and a request in progress share.
        func direct(_ call: Call, _ around: [Call]) -> (CallCause, Call)? {
            switch call.service {
            case "keystone":
                guard call.operation == .tokenValidate || call.operation == .tokenCheck,
                      let subject = call.subjectToken else { return nil }
                return pick(around.filter { $0.token == subject }, .subjectToken)
            case "swift":
                let glance = around.filter { $0.service == "glance" }
                if let image = call.imageID {
                    let named = glance.filter { $0.imageID == image }
                    let storing = named.filter { CallCausation.storeOperations.contains($0.operation) }
                    if let found = pick(storing.isEmpty ? named : storing, .objectName) {
                        // A read of the image beside its upload also names it: only a store
                        // operation makes the link certain.
                        guard storing.isEmpty else { return found }
                        return (CallCause(request: found.1.index, confidence: .likely, evidence: .objectName), found.1)
                    }
                }
                if let token = call.token { return pick(glance.filter { $0.token == token }, .token) }
                return nil
            default:
                return nil
            }
        }

        /// One fit is certain; of several, the latest started (the innermost) is likely.
        func pick(_ fits: [Call], _ evidence: CallCause.Evidence) -> (CallCause, Call)? {
            guard let latest = fits.max(by: { $0.time < $1.time }) else { return nil }
            return (CallCause(request: latest.index, confidence: fits.count == 1 ? .certain : .likely, evidence: evidence), latest)
        }

        /// The second pass: evidence that needs other calls' causes, until nothing changes.
        mutating func settle() {
            guard !serviceCalls.isEmpty else { return }
            // Position in `serviceCalls` of the previous and next call on the same connection.
            var neighbours = [(previous: Int?, next: Int?)](repeating: (nil, nil), count: serviceCalls.count)
            var lastOnConnection: [Int: Int] = [:]
            for (position, entry) in serviceCalls.enumerated() {
                if let previous = lastOnConnection[entry.call.connection] {
                    neighbours[position].previous = previous
                    neighbours[previous].next = position
                }
                lastOnConnection[entry.call.connection] = position
            }
            for _ in 0..<8 {
                var changed = false
                for (position, entry) in serviceCalls.enumerated() where causes[entry.call.index] == nil {
                    let call = entry.call
                    if let cause = issuedToken(call) ?? sameConnection(entry, neighbours[position]) ?? importTask(call) {
                        causes[call.index] = cause
                        changed = true
                    }
                }
                if !changed { break }
            }
            timing()
        }

        /// Whether `call` started while the request of `cause` was at work (for an import's
        /// task: after it began).
        func fits(_ call: Call, _ cause: CallCause) -> Bool {
            guard let request = cause.request, let window = windows[request] else { return false }
            if cause.evidence == .importTask { return call.time >= window.start }
            return window.start <= call.time && window.end >= call.time
        }

        func issuedToken(_ call: Call) -> CallCause? {
            guard call.service == "keystone", call.operation == .tokenIssue, let token = call.subjectToken,
                  let user = firstUse[token], user != call.index, let cause = causes[user], cause.request != nil,
                  fits(call, cause) else { return nil }
            return CallCause(request: cause.request, confidence: .likely, evidence: .issuedToken)
        }

        /// A neighbour's request, when it still fits. glance_store opens a Swift connection per
        /// operation, so for a Swift call that is enough; a Keystone connection is a process's
        /// (keystonemiddleware's session serves all its threads), so it must also be the only
        /// request of its service in progress.
        func sameConnection(_ entry: ServiceCall, _ neighbours: (previous: Int?, next: Int?)) -> CallCause? {
            let call = entry.call
            var found: [CallCause] = []
            for position in [neighbours.next, neighbours.previous].compactMap({ $0 }) {
                if let cause = causes[serviceCalls[position].call.index], fits(call, cause),
                   !found.contains(where: { $0.request == cause.request }) { found.append(cause) }
            }
            guard found.count == 1 else { return nil }
            if call.service == "keystone" {
                let around = self.around(entry)
                guard let request = around.first(where: { $0.index == found[0].request }),
                      around.filter({ $0.service == request.service }).count == 1 else { return nil }
            }
            let evidence: CallCause.Evidence = found[0].evidence == .importTask ? .importTask : .connection
            return CallCause(request: found[0].request, confidence: .likely, evidence: evidence)
        }

        mutating func importTask(_ call: Call) -> CallCause? {
            guard call.service == "swift", let image = call.imageID,
                  let request = imports[image]?.last(where: { $0.time <= call.time }) else { return nil }
            windows[request.index] = Window(request)
            return CallCause(request: request.index, confidence: .likely, evidence: .importTask)
        }

        /// Calls on a connection that a service's other calls show to be its own, and Swift calls
        /// made with a token Glance's other calls show to be glance_store's: by the requests of
        /// that service in progress around them.
        mutating func timing() {
            var storeTokens: Set<String> = []
            var owners: [Int: Set<String>] = [:]
            for entry in serviceCalls {
                guard let cause = causes[entry.call.index], let request = cause.request, let window = windows[request] else { continue }
                owners[entry.call.connection, default: []].insert(window.service)
                if entry.call.service == "swift", let token = entry.call.token { storeTokens.insert(token) }
                if entry.call.operation == .tokenIssue, let token = entry.call.subjectToken { storeTokens.insert(token) }
            }
            for entry in serviceCalls where causes[entry.call.index] == nil {
                var fits: [Call] = []
                if let owner = owners[entry.call.connection], owner.count == 1, let service = owner.first {
                    fits = around(entry).filter { $0.service == service }
                } else if entry.call.service == "swift", let token = entry.call.token, storeTokens.contains(token) {
                    fits = around(entry).filter { $0.service == "glance" }
                }
                if entry.call.service == "swift" {
                    let storing = fits.filter { CallCausation.storeOperations.contains($0.operation) }
                    if !storing.isEmpty { fits = storing }
                }
                let waiting = fits.filter { $0.contains(entry.call) }
                if !waiting.isEmpty { fits = waiting }
                if fits.count == 1, let request = fits.first {
                    causes[entry.call.index] = CallCause(request: request.index, confidence: .likely, evidence: .timing)
                    windows[request.index] = Window(request)
                } else if fits.count > 1 {
                    causes[entry.call.index] = CallCause(request: nil, confidence: .ambiguous, evidence: .timing,
                                                         candidates: fits.map(\.index).sorted())
                }
            }
        }
    }
}

extension CallCausation {
    /// Causes over a store's facts. Only what can take part is decoded: Keystone and Swift calls,
    /// imports, and the requests in progress around a Keystone or Swift call.
    package static func attribute(http: HTTPFactStore) -> [Int: CallCause] {
        let order = http.positionsByStart()
        let starts = order.filter { http.traits(at: $0).contains(.serviceCall) }.map { http.time(at: $0) }
        guard !starts.isEmpty else { return [:] }
        /// Whether a Keystone or Swift call starts inside [from, to] (`starts` is sorted).
        func surrounds(from: Timestamp, to: Timestamp) -> Bool {
            var low = 0, high = starts.count
            while low < high {
                let middle = (low + high) / 2
                if starts[middle] < from { low = middle + 1 } else { high = middle }
            }
            return low < starts.count && starts[low] <= to
        }
        var calls: [Call] = []
        for position in order {
            let traits = http.traits(at: position)
            guard traits.contains(.serviceCall) || traits.contains(.imageImport)
                    || surrounds(from: http.time(at: position), to: http.end(at: position)) else { continue }
            calls.append(Call(http[position]))
        }
        return attribute(calls)
    }
}
