import Timeline
import CaptureIO

/// The clock correction of each capture of a merged analysis: given (`--time-offset`), estimated
/// (`ClockSkewSurvey`), or none.
struct ClockOffsets {
    /// Nanoseconds added to each file's timestamps.
    private(set) var offsets: [Int64]
    private var outcomes: [ClockSkewSurvey.Outcome?]
    private var given: [Bool]
    private var warning: String?

    init(paths: [String], options: CaptureAnalysis.Options) throws(CaptureError) {
        let known = paths.map { options.timeOffsets[$0] }
        offsets = known.map { $0 ?? 0 }
        given = known.map { $0 != nil }
        outcomes = Array(repeating: nil, count: paths.count)
        guard options.estimatesClockSkew, paths.count > 1, known.contains(where: { $0 == nil }) else { return }
        if let pipe = paths.first(where: { $0 == CaptureInput.standardInput || CaptureInput.isStream($0) }) {
            warning = "\(pipe == CaptureInput.standardInput ? "standard input" : pipe) cannot be read twice, so the captures' "
                + "clock offsets were not estimated: give --time-offset FILE=SECONDS if their clocks differ"
            return
        }
        let found = try ClockSkewSurvey(options: options).run(paths: paths, given: known)
        for (i, outcome) in found.enumerated() where !given[i] {
            outcomes[i] = outcome
            if case .estimated(let offset, _) = outcome { offsets[i] = offset }
        }
    }

    /// Writes the offsets into the captures' summaries and any failure into the warnings.
    func describe(_ result: inout AnalysisResult) {
        if let warning { result.warnings.append(warning) }
        for i in result.captures.indices where i < offsets.count {
            if given[i] {
                result.captures[i].timeOffsetNanoseconds = offsets[i]
                result.captures[i].timeOffsetSource = "given"
                continue
            }
            switch outcomes[i] {
            case .estimated(let offset, let estimate)?:
                result.captures[i].timeOffsetNanoseconds = offset
                result.captures[i].timeOffsetSource = "estimated"
                result.captures[i].timeOffsetEstimate = estimate
            case .unknown(let reason)?:
                result.warnings.append("\(result.captures[i].info.path): clock offset not estimated: \(reason); "
                                       + "give --time-offset FILE=SECONDS if its clock differs")
            case .fixed?, nil:
                break
            }
        }
    }
}
