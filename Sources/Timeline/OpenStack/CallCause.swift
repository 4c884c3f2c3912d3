/// The request a service was serving when it made an HTTP call of its own: Glance validating a
/// client's token at Keystone, glance_store writing the image to Swift, Swift's own token check.
package struct CallCause: Sendable, Equatable {
    /// How sure the link is; the same scale as SQL attribution (DESIGN.md §2).
    package enum Confidence: String, Sendable {
        /// One request fits, by something the two calls share (a token, the image's object name).
        case certain
        /// The best of several fits, or a fit by weaker evidence (same connection, timing).
        case likely
        /// Several requests fit equally: `request` stays nil and `candidates` lists them.
        case ambiguous
    }

    /// What tied the call to its request.
    package enum Evidence: String, Sendable {
        /// A token validation whose `X-Subject-Token` is the request's `X-Auth-Token`.
        case subjectToken = "subject-token"
        /// A Swift object named after the image the request is about.
        case objectName = "object-name"
        /// The request's own token, sent on (a multi-tenant store).
        case token
        /// A token issued during the request and first used by a call it caused.
        case issuedToken = "issued-token"
        /// A neighbouring call on the same connection belongs to the request.
        case connection
        /// The only request in progress that could have made it.
        case timing
        /// Glance's import task, running after the import request was answered.
        case importTask = "import-task"
    }

    /// The causing request's index; nil when ambiguous.
    package var request: Int?
    /// How sure the link is.
    package var confidence: Confidence
    /// What tied the call to its request.
    package var evidence: Evidence
    /// For an ambiguous cause, the requests it may belong to.
    package var candidates: [Int]

    /// A cause from its parts.
    package init(request: Int?, confidence: Confidence, evidence: Evidence, candidates: [Int] = []) {
        self.request = request
        self.confidence = confidence
        self.evidence = evidence
        self.candidates = candidates
    }
}
