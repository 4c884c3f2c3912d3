import CaptureIO
import Testing
@testable import Timeline

/// Call causation with hand-made facts: each rule, and the calls it must leave alone.
@Suite struct CallCausationTests {
    typealias Call = CallCausation.Call

    static func t(_ ms: Int64) -> Timestamp { Timestamp(nanoseconds: 1_000_000_000_000 + ms * 1_000_000) }

    /// Calls in start order, indices by position.
    static func attribute(_ calls: [Call]) -> [Int: CallCause] {
        let sorted = calls.sorted { $0.time < $1.time }
        return CallCausation.attribute(sorted.enumerated().map { var c = $0.element; c.index = $0.offset; return c })
    }

    static func call(_ service: String, _ operation: String, _ from: Int64, _ to: Int64, connection: Int,
                     image: String? = nil, token: String? = nil, subject: String? = nil) -> Call {
        Call(index: 0, time: t(from), end: t(to), connection: connection, service: service, operation: OpenStackOperation(rawValue: operation),
             imageID: image, token: token, subjectToken: subject)
    }

    @Test func aValidationBelongsToTheRequestWhoseTokenItChecks() {
        // Two Glance requests in progress; keystonemiddleware validates the second one's token.
        let causes = Self.attribute([
            Self.call("glance", "image-list", 0, 900, connection: 1, token: "aaaa"),
            Self.call("glance", "image-show", 10, 800, connection: 2, token: "bbbb"),
            Self.call("keystone", "token-validate", 20, 700, connection: 3, token: "svc1", subject: "bbbb"),
        ])
        #expect(causes[2] == CallCause(request: 1, confidence: .certain, evidence: .subjectToken))
        #expect(causes[0] == nil && causes[1] == nil)
    }

    @Test func aClientsOwnCallsStayUncaused() {
        // The client's token request and discovery while its earlier upload runs: no token, no
        // connection, no image ties them to the upload.
        let causes = Self.attribute([
            Self.call("glance", "image-upload", 0, 5000, connection: 1, image: "img", token: "user"),
            Self.call("keystone", "version-show", 100, 110, connection: 2),
            Self.call("keystone", "token-issue", 120, 300, connection: 2, subject: "user2"),
            Self.call("glance", "image-list", 400, 500, connection: 3, token: "user2"),
            // A validation of a token no request in progress carries (made by a service not captured).
            Self.call("keystone", "token-validate", 600, 700, connection: 4, subject: "zzzz"),
        ])
        #expect(causes.isEmpty)
    }

    @Test func aValidationOutsideTheRequestIsNotItsOwn() {
        // Same token, but the Glance request had already answered: nothing in progress fits.
        let causes = Self.attribute([
            Self.call("glance", "image-show", 0, 100, connection: 1, token: "aaaa"),
            Self.call("keystone", "token-validate", 150, 200, connection: 2, subject: "aaaa"),
        ])
        #expect(causes.isEmpty)
    }

    @Test func twoRequestsWithTheSameTokenMakeTheInnermostLikely() {
        let causes = Self.attribute([
            Self.call("glance", "image-list", 0, 900, connection: 1, token: "aaaa"),
            Self.call("glance", "image-show", 10, 800, connection: 2, token: "aaaa"),
            Self.call("keystone", "token-validate", 20, 700, connection: 3, subject: "aaaa"),
        ])
        #expect(causes[2] == CallCause(request: 1, confidence: .likely, evidence: .subjectToken))
    }

    /// glance_store's upload to Swift (u-swift-store): token, container HEAD and PUT on one
    /// connection, object PUT named after the image; Swift's own validation of glance_store's token.
    @Test func glanceStoreCallsBelongToTheUpload() {
        let causes = Self.attribute([
            Self.call("glance", "image-upload", 0, 3000, connection: 1, image: "img", token: "user"),
            Self.call("glance", "image-show", 50, 80, connection: 9, image: "img", token: "user"),
            Self.call("keystone", "token-issue", 100, 1500, connection: 2, subject: "store"),
            Self.call("swift", "container-show", 1600, 2300, connection: 3, token: "store"),
            Self.call("keystone", "token-validate", 1610, 2200, connection: 4, token: "swiftsvc", subject: "store"),
            Self.call("swift", "container-create", 2310, 2400, connection: 3, token: "store"),
            Self.call("swift", "object-upload", 2410, 2700, connection: 3, image: "img", token: "store"),
        ])
        #expect(causes[6] == CallCause(request: 0, confidence: .certain, evidence: .objectName))
        #expect(causes[3] == CallCause(request: 0, confidence: .likely, evidence: .connection))
        #expect(causes[5] == CallCause(request: 0, confidence: .likely, evidence: .connection))
        #expect(causes[4] == CallCause(request: 3, confidence: .certain, evidence: .subjectToken))
        #expect(causes[2] == CallCause(request: 0, confidence: .likely, evidence: .issuedToken))
        #expect(causes[1] == nil)
    }

    @Test func aReadOfTheImageBesideItsUploadIsNotTheStoresCaller() {
        // An image-show of the same image spans the object PUT; only the upload touches the store.
        let causes = Self.attribute([
            Self.call("glance", "image-upload", 0, 3000, connection: 1, image: "img"),
            Self.call("glance", "image-show", 100, 2900, connection: 2, image: "img"),
            Self.call("swift", "object-upload", 200, 2800, connection: 3, image: "img", token: "store"),
        ])
        #expect(causes[2] == CallCause(request: 0, confidence: .certain, evidence: .objectName))
    }

    @Test func concurrentUploadsAreToldApartByTheirObjects() {
        let causes = Self.attribute([
            Self.call("glance", "image-upload", 0, 5000, connection: 1, image: "a"),
            Self.call("glance", "image-upload", 10, 5000, connection: 2, image: "b"),
            Self.call("swift", "object-upload", 100, 4000, connection: 3, image: "b", token: "store"),
            Self.call("swift", "object-upload", 110, 4000, connection: 4, image: "a", token: "store"),
            // A container HEAD on a connection of its own: two store requests fit by timing.
            Self.call("swift", "container-show", 50, 60, connection: 5, token: "store"),
        ])
        #expect(causes[3]?.request == 1)  // positions: 0 a, 1 b, 2 HEAD, 3 object b, 4 object a
        #expect(causes[4]?.request == 0)
        #expect(causes[2] == CallCause(request: nil, confidence: .ambiguous, evidence: .timing, candidates: [0, 1]))
    }

    @Test func swiftCallsAfterAnImportAnsweredBelongToIt() {
        // glance-direct import: 202 at once, the task writes the object later.
        let causes = Self.attribute([
            Self.call("glance", "image-import", 0, 100, connection: 1, image: "img"),
            Self.call("glance", "image-show", 500, 520, connection: 1, image: "img"),
            Self.call("swift", "container-show", 600, 610, connection: 2, token: "store"),
            Self.call("swift", "object-upload", 620, 900, connection: 2, image: "img", token: "store"),
        ])
        #expect(causes[3] == CallCause(request: 0, confidence: .likely, evidence: .importTask))
        #expect(causes[2] == CallCause(request: 0, confidence: .likely, evidence: .importTask))
        #expect(causes[1] == nil)
    }

    @Test func aServicesDiscoveryAmongSeveralWaitingRequestsIsAmbiguous() {
        // keystonemiddleware's discovery on its own connection while two Glance requests wait; the
        // connection's later validation shows whose connection it is.
        let causes = Self.attribute([
            Self.call("glance", "image-create", 0, 3000, connection: 1, token: "u1"),
            Self.call("glance", "image-list", 5, 3000, connection: 2, token: "u2"),
            Self.call("keystone", "version-discovery", 10, 20, connection: 3),
            Self.call("keystone", "token-validate", 2000, 2100, connection: 3, subject: "u1"),
        ])
        #expect(causes[3] == CallCause(request: 0, confidence: .certain, evidence: .subjectToken))
        #expect(causes[2] == CallCause(request: nil, confidence: .ambiguous, evidence: .timing, candidates: [0, 1]))
    }

    @Test func callsByRequestListsThemInOrder() {
        let causes: [Int: CallCause] = [
            5: CallCause(request: 1, confidence: .certain, evidence: .subjectToken),
            3: CallCause(request: 1, confidence: .likely, evidence: .connection),
            4: CallCause(request: nil, confidence: .ambiguous, evidence: .timing, candidates: [1, 2]),
        ]
        #expect(CallCausation.callsByRequest(causes) == [1: [3, 5]])
    }

    @Test func aStoreWithoutServiceCallsDecodesNothing() {
        let store = HTTPFactStore([
            HTTPFact(index: 0, time: Self.t(0), end: Self.t(10), connection: 1, client: "c", server: "s",
                     service: "glance", operation: "image-list", method: "GET", path: "/v2/images", status: 200),
        ])
        #expect(CallCausation.attribute(http: store).isEmpty)
    }
}
