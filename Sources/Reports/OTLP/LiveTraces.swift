import Analysis
import CaptureIO
import OTLPProtocol
import Timeline

/// One trace, ready to export: its spans grouped by service, and how many there are.
package struct LiveTrace: Sendable {
    package var resourceSpans: [OTLPResourceSpans]
    package var spanCount: Int
}

/// Turns the live events of `glancetrace capture` into traces as requests complete, the same
/// traces `analyze --format otlp` makes of the written file (same ids, same attribution rule).
///
/// A request is exported `grace` after it ended (capture time): the statements it issued and the
/// requests competing for them (`SQLAttribution`) have completed by then. Only completed requests
/// are known, so a statement made during two requests, one of which is still running (a long
/// upload), is decided among the completed ones; offline analysis sees both. Statements are kept
/// for `retention` (an upload's first statements precede its completion by as long as the upload
/// takes), at most `maxStatements` of them; image status changes become events on the span of the
/// request of that image in progress at that time. Links between lifecycle requests are left to
/// the offline export.
package final class LiveTraces {
    package let grace: Int64
    package let retention: Int64
    package let maxStatements: Int

    private var pending: [HTTPFact] = []
    /// Requests already exported, kept while they can still compete for statements.
    private var exported: [HTTPFact] = []
    private var statements: [SQLFact] = []
    private var statuses: [(imageID: String, status: String, time: Timestamp, source: String)] = []
    /// Statements forgotten unexported because more than `maxStatements` were waiting.
    package private(set) var droppedStatements = 0

    package init(grace: Int64 = 1_000_000_000, retention: Int64 = 600_000_000_000, maxStatements: Int = 200_000) {
        self.grace = grace
        self.retention = retention
        self.maxStatements = maxStatements
    }

    package func add(_ event: AnalysisSession.LiveEvent) {
        switch event {
        case .http(let fact): pending.append(fact)
        case .sql(let fact):
            statements.append(fact)
            // Trimmed in batches: removing the first element of an array moves all the others.
            if statements.count > maxStatements + maxStatements / 4 {
                droppedStatements += statements.count - maxStatements
                statements.removeFirst(statements.count - maxStatements)
            }
        case .status(let id, let status, let time, let source): statuses.append((id, status, time, source))
        }
    }

    /// Traces of the requests that ended at least `grace` before `now`, and forgets what no later
    /// request can need.
    package func ready(now: Timestamp) -> [LiveTrace] {
        let due = pending.filter { $0.end.nanoseconds <= now.nanoseconds &- grace }
        guard !due.isEmpty else { forget(before: now); return [] }
        pending.removeAll { $0.end.nanoseconds <= now.nanoseconds &- grace }
        let traces = traces(of: due)
        exported += due
        forget(before: now)
        return traces
    }

    /// Every request not yet exported (the capture stopped).
    package func remaining() -> [LiveTrace] {
        let due = pending
        pending = []
        return traces(of: due)
    }

    private func traces(of due: [HTTPFact]) -> [LiveTrace] {
        // The statements during the due requests, and every known request they overlap; each
        // store is positioned by start time, as an analysis's are.
        let first = due.map(\.time).min() ?? .zero, last = due.map(\.end).max() ?? .zero
        let window = statements.filter { $0.time >= first && $0.time <= last }.sorted { $0.time < $1.time }
        let others: [(fact: HTTPFact, due: Int?)] = (exported + pending).map { ($0, nil) }
        let competing = (others + due.enumerated().map { ($1, $0) })
            .filter { $0.fact.time <= last && $0.fact.end >= first }
            .sorted { ($0.fact.time, $0.fact.connection) < ($1.fact.time, $1.fact.connection) }
        let owners = SQLAttribution.attribute(sql: SQLFactStore(Self.positioned(window)),
                                              http: HTTPFactStore(Self.positioned(competing.map(\.fact))))
        var statementsOf: [Int: [SQLFact]] = [:]
        for (position, owner) in owners.sorted(by: { $0.key < $1.key }) {
            if let dueIndex = competing[owner].due { statementsOf[dueIndex, default: []].append(window[position]) }
        }
        return due.enumerated().map { dueIndex, request in
            var builder = TraceBuilder(trace: TraceIdentity.traceID(of: request))
            builder.indexed = false
            let span = builder.addRequest(request, parent: nil, service: request.service, inferred: false, events: events(of: request))
            for statement in statementsOf[dueIndex] ?? [] {
                builder.addStatement(statement, parent: span, service: request.service, instance: request.server)
            }
            return LiveTrace(resourceSpans: builder.resourceSpans, spanCount: builder.spanCount)
        }
    }

    /// Facts renumbered by their position, as a store made of them expects.
    private static func positioned<Fact>(_ facts: [Fact]) -> [Fact] where Fact: PositionedFact {
        facts.enumerated().map { position, fact in
            var copy = fact
            copy.index = position
            return copy
        }
    }

    private func events(of request: HTTPFact) -> [OTLPSpan.Event] {
        guard let id = request.imageID else { return [] }
        return statuses.filter { $0.imageID == id && $0.time >= request.time && $0.time <= request.end }.map { status in
            var event = OTLPSpan.Event()
            event.name = "glancetrace.image.status"
            event.timeUnixNano = OTLPSpans.unixNanoseconds(status.time)
            event.attributes = [OTLPKeyValue("glancetrace.image.status", status.status),
                                OTLPKeyValue("glancetrace.image.status_source", status.source),
                                OTLPKeyValue("glancetrace.image.id", id)]
            return event
        }
    }

    /// Drops what is older than `retention` and precedes every request still to export.
    private func forget(before now: Timestamp) {
        let horizon = Timestamp(nanoseconds: now.nanoseconds &- retention)
        let oldestPending = pending.map(\.time).min() ?? now
        let cut = min(horizon, oldestPending)
        exported.removeAll { $0.end < cut }
        statements.removeAll { $0.end < cut }
        statuses.removeAll { $0.time < cut }
    }
}

/// A fact whose `index` a store renumbers.
protocol PositionedFact { var index: Int { get set } }
extension HTTPFact: PositionedFact {}
extension SQLFact: PositionedFact {}
