import Analysis
import Timeline

/// The calls a request made while it was served (`ImageTimeline.callsOfHTTP`), as the reports
/// nest them under it: Glance's token validation and glance_store's Swift calls under the Glance
/// request, Swift's own token validation under the Swift call.
enum CausedCalls {
    /// Deeper is no real chain (a Glance request, its Swift call, Swift's Keystone call): a guard.
    static let maxDepth = 4

    /// Whether `index` was made while serving one of `requests`, directly or through a call that was.
    static func isNested(_ index: Int, under requests: Set<Int>, _ timeline: ImageTimeline) -> Bool {
        var current = index
        for _ in 0..<maxDepth {
            guard let cause = timeline.causeOfHTTP[current]?.request else { return false }
            if requests.contains(cause) { return true }
            current = cause
        }
        return false
    }

    /// The calls made while serving `request`, depth first, with their depth from 1.
    static func tree(under request: Int, _ result: AnalysisResult) -> [(fact: HTTPFact, depth: Int)] {
        var out: [(HTTPFact, Int)] = []
        func walk(_ parent: Int, _ depth: Int) {
            guard depth <= maxDepth else { return }
            for call in result.timeline.callsOfHTTP[parent] ?? [] where result.http.indices.contains(call) {
                out.append((result.http[call], depth))
                walk(call, depth + 1)
            }
        }
        walk(request, 1)
        return out
    }

    /// How the link was made, when it is not certain ("likely, same connection").
    static func qualifier(_ index: Int, _ timeline: ImageTimeline) -> String? {
        guard let cause = timeline.causeOfHTTP[index], cause.confidence != .certain else { return nil }
        let evidence: String
        switch cause.evidence {
        case .subjectToken: evidence = "validated token"
        case .objectName: evidence = "object name"
        case .token: evidence = "same token"
        case .issuedToken: evidence = "token it issued"
        case .connection: evidence = "same connection"
        case .timing: evidence = "timing"
        case .importTask: evidence = "import task"
        }
        return "\(cause.confidence.rawValue), by \(evidence)"
    }
}
