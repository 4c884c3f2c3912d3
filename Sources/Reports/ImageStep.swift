import Analysis
import CaptureIO
import Timeline

/// One line of an image's story in a report: an HTTP call on the image, or a status change.
enum ImageStep {
    case http(HTTPFact)
    case transition(StatusTransition)

    var time: Timestamp {
        switch self {
        case .http(let fact): return fact.time
        case .transition(let transition): return transition.time
        }
    }

    /// The image's HTTP calls and status changes in time order; at equal times the call comes
    /// first, since the change happened during it.
    static func steps(of image: ImageLifecycle, in result: AnalysisResult) -> [ImageStep] {
        // A call made while serving another of the image's requests (glance_store's Swift
        // calls) is shown under that request, not as a step of its own.
        let own = Set(image.http)
        var steps: [(order: Int, step: ImageStep)] = image.http.compactMap { i in
            guard result.http.indices.contains(i), !CausedCalls.isNested(i, under: own, result.timeline) else { return nil }
            return (0, .http(result.http[i]))
        }
        steps += image.transitions.map { (1, .transition($0)) }
        steps.sort { ($0.step.time, $0.order) < ($1.step.time, $1.order) }
        return steps.map(\.step)
    }
}
