import OTLPProtocol
import Timeline

/// The spans of one trace, grouped by the service that produced each (OTLP nests spans under
/// their resource), ready to be one or more `ResourceSpans`.
struct TraceBuilder {
    let trace: [UInt8]
    /// Whether spans carry the report's `http` and `sql` indices (not for live facts).
    var indexed = true
    private var groups: [(key: String, resource: OTLPResource, spans: [OTLPSpan])] = []

    init(trace: [UInt8]) { self.trace = trace }

    /// The instrumentation scope of every span: the tool that read them off the wire.
    static let scopeName = "glancetrace"

    var spanCount: Int { groups.reduce(0) { $0 + $1.spans.count } }

    mutating func add(_ span: OTLPSpan, service: String, instance: String) {
        let key = service + " " + instance
        if let position = groups.firstIndex(where: { $0.key == key }) {
            groups[position].spans.append(span)
        } else {
            groups.append((key, OTLPSpans.resource(service: service, instance: instance), [span]))
        }
    }

    var resourceSpans: [OTLPResourceSpans] {
        groups.map { group in
            OTLPResourceSpans(resource: group.resource,
                              scopeSpans: [OTLPScopeSpans(scopeName: TraceBuilder.scopeName, spans: group.spans)])
        }
    }

    /// Hands out the spans gathered so far and starts empty: a trace of a hundred thousand
    /// statements is written in pieces, never held whole.
    mutating func drain() -> [OTLPResourceSpans] {
        defer { groups.removeAll(keepingCapacity: true) }
        return resourceSpans
    }

    /// The request's span; returns its id, the parent of its statements and calls.
    @discardableResult
    mutating func addRequest(_ fact: HTTPFact, parent: [UInt8]?, service: String, inferred: Bool,
                             events: [OTLPSpan.Event] = [], links: [OTLPSpan.Link] = []) -> [UInt8] {
        var span = OTLPSpans.request(fact, trace: trace, parent: parent, inferred: inferred, indexed: indexed)
        span.events = events
        span.links = links
        add(span, service: service, instance: fact.server)
        return span.spanID
    }

    /// A statement's span, child of the request span `parent` of `service` at `instance`.
    mutating func addStatement(_ statement: SQLFact, parent: [UInt8], service: String, instance: String) {
        add(OTLPSpans.statement(statement, trace: trace, parent: parent, indexed: indexed), service: service, instance: instance)
    }
}
