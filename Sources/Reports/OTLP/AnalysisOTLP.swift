import Analysis
import CaptureIO
import OTLPProtocol
import Timeline

/// `analyze --format otlp`: the timeline as OpenTelemetry traces, OTLP/JSON `TracesData`.
///
/// One trace per logical request (one a client made, not a proxy's back-end leg, not a call a
/// service made during another request): its SERVER span, a CLIENT child span per statement
/// attributed to it, its proxy legs and the calls made during it as child spans (with their own
/// statements). An image's status changes are span events on the request that made them, and a
/// link from that span to the span of the request behind the previous status, so a backend can
/// walk an image's lifecycle across traces. So the span count is the logical requests, plus the
/// attributed statements, plus legs and caused calls (none until the analysis finds them).
///
/// Written trace by trace (a `ResourceSpans` per trace and service), so the output of a capture
/// of any size streams out in constant memory.
package enum AnalysisOTLP {
    /// Writes the JSON document in pieces to `chunk`.
    package static func write(_ result: AnalysisResult, relations: RequestRelations? = nil, chunk: (String) -> Void) {
        chunk("{\"resourceSpans\":[")
        var first = true
        forEachResourceSpans(result, relations: relations ?? RequestRelations(result)) { resourceSpans in
            chunk((first ? "" : ",") + String(decoding: resourceSpans.json, as: UTF8.self))
            first = false
        }
        chunk("]}\n")
    }

    /// The whole document as one string (tests, small captures).
    package static func document(_ result: AnalysisResult, relations: RequestRelations? = nil) -> String {
        var out = ""
        write(result, relations: relations) { out += $0 }
        return out
    }

    /// Most spans in one `ResourceSpans` written: what is held at once, however long a trace.
    static let spansPerMessage = 1000

    /// Every trace of the result, in the order of their root requests, as `ResourceSpans`
    /// of at most `spansPerMessage` spans (a trace may take several).
    static func forEachResourceSpans(_ result: AnalysisResult, relations: RequestRelations, _ body: (OTLPResourceSpans) -> Void) {
        let lifecycle = Lifecycle(result, relations: relations)
        var children: [Int: [Int]] = [:]
        for (child, parent) in relations.causedBy.sorted(by: { $0.key < $1.key }) { children[parent, default: []].append(child) }
        for (front, legs) in relations.legs { children[front, default: []] += legs }
        let fronts = Set(relations.legOf.values)
        withoutActuallyEscaping(body) { body in
            for root in result.http.indices where relations.isLogical(root) && relations.causedBy[root] == nil {
                let fact = result.http[root]
                var trace = Trace(builder: TraceBuilder(trace: TraceIdentity.traceID(of: fact)), result: result, relations: relations,
                                  lifecycle: lifecycle, children: children, fronts: fronts, emit: body)
                trace.add(fact, parent: nil, depth: 0)
                trace.builder.drain().forEach(body)
            }
        }
    }

    /// One trace being written: a request, its statements, then its legs and caused calls.
    private struct Trace {
        var builder: TraceBuilder
        let result: AnalysisResult
        let relations: RequestRelations
        let lifecycle: Lifecycle
        let children: [Int: [Int]]
        let fronts: Set<Int>
        let emit: (OTLPResourceSpans) -> Void

        mutating func add(_ fact: HTTPFact, parent: [UInt8]?, depth: Int) {
            // A front leg that a proxy forwarded is the proxy's span; its legs are the services'.
            let service = fronts.contains(fact.index) ? "proxy" : fact.service
            let span = builder.addRequest(fact, parent: parent, service: service, inferred: relations.inferred.contains(fact.index),
                                          events: lifecycle.events[fact.index] ?? [], links: lifecycle.links[fact.index] ?? [])
            for position in result.timeline.sqlOfHTTP[fact.index] ?? [] where result.sql.indices.contains(position) {
                builder.addStatement(result.sql[position], parent: span, service: service, instance: fact.server)
                if builder.spanCount >= AnalysisOTLP.spansPerMessage { builder.drain().forEach(emit) }
            }
            // Relations come from the analysis; a cycle there must not recurse for ever.
            guard depth < 8 else { return }
            for child in children[fact.index] ?? [] where result.http.indices.contains(child) {
                add(result.http[child], parent: span, depth: depth + 1)
            }
        }
    }

    /// Image status changes as span events, and links between the requests behind them.
    struct Lifecycle {
        var events: [Int: [OTLPSpan.Event]] = [:]
        var links: [Int: [OTLPSpan.Link]] = [:]

        init(_ result: AnalysisResult, relations: RequestRelations) {
            // The trace a request's span is in: its root's.
            func root(_ index: Int) -> Int {
                var current = index, steps = 0
                while let up = relations.causedBy[current] ?? relations.legOf[current], steps < 8 { current = up; steps += 1 }
                return current
            }
            for image in result.timeline.images {
                var previous: (request: Int, status: String)?
                for transition in image.transitions {
                    guard let request = transition.http ?? transition.sql.flatMap({ result.timeline.httpOfSQL[$0] }),
                          result.http.indices.contains(request) else { continue }
                    var event = OTLPSpan.Event()
                    event.name = "glancetrace.image.status"
                    event.timeUnixNano = OTLPSpans.unixNanoseconds(transition.time)
                    var attributes = [OTLPKeyValue("glancetrace.image.status", transition.status),
                                      OTLPKeyValue("glancetrace.image.status_source", transition.source.rawValue)]
                    if let id = image.id { attributes.append(OTLPKeyValue("glancetrace.image.id", id)) }
                    if let name = image.name { attributes.append(OTLPKeyValue("glancetrace.image.name", name)) }
                    if let before = previous?.status { attributes.append(OTLPKeyValue("glancetrace.image.previous_status", before)) }
                    if let sql = transition.sql { attributes.append(OTLPKeyValue("glancetrace.sql.index", sql)) }
                    event.attributes = attributes
                    events[request, default: []].append(event)
                    if let before = previous, before.request != request {
                        var link = OTLPSpan.Link()
                        link.traceID = TraceIdentity.traceID(of: result.http[root(before.request)])
                        link.spanID = TraceIdentity.spanID(of: result.http[before.request])
                        link.attributes = [OTLPKeyValue("glancetrace.link", "previous-image-status"),
                                           OTLPKeyValue("glancetrace.image.status", before.status)]
                        if !(links[request] ?? []).contains(where: { $0.spanID == link.spanID }) { links[request, default: []].append(link) }
                    }
                    previous = (request, transition.status)
                }
            }
        }
    }
}
