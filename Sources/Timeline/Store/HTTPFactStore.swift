import CaptureIO
import HTTPDecoding

/// The HTTP exchanges of an analysis (see `FactStore`).
package typealias HTTPFactStore = FactStore<HTTPFact>

/// What a pass can learn about an HTTP exchange without decoding it.
package struct HTTPFactTraits: OptionSet, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Names an image by id or name: part of an image's story.
    package static let namesImage = HTTPFactTraits(rawValue: 1)
    /// A 5xx answer, or a request body the capture does not hold whole.
    package static let anomalous = HTTPFactTraits(rawValue: 2)
    /// A Keystone token issue (`POST /v3/auth/tokens`).
    package static let tokenIssue = HTTPFactTraits(rawValue: 4)
    /// Sends a Keystone token.
    package static let carriesToken = HTTPFactTraits(rawValue: 8)
    /// `POST /v2/images/{id}/import`: starts work Glance does after answering.
    package static let imageImport = HTTPFactTraits(rawValue: 16)
    /// Seen only as encrypted records (`HTTPFact.inferred`).
    package static let inferred = HTTPFactTraits(rawValue: 32)
    /// A call one service may make for another (`CallCausation`): any Keystone or Swift call.
    package static let serviceCall = HTTPFactTraits(rawValue: 64)
    /// A call to Glance (service "glance"): the summaries count a capture of API calls by
    /// service without reading every exchange back.
    package static let glance = HTTPFactTraits(rawValue: 128)
}

extension HTTPFact: SpillableFact {
    package static var pluralName: String { "HTTP exchanges" }
    /// The layout is `HTTPFact.write(to:)`'s (`HTTPFactEncoding.swift`), field for field what
    /// `decode(_:index:messages:)` reads.
    package static func encode(_ fact: HTTPFact, into out: inout [UInt8]) {
        encodeFields(fact, into: &out)
    }

    package static func decode(_ bytes: UnsafeRawBufferPointer, index: Int) -> HTTPFact? {
        decode(bytes, index: index, messages: true)
    }

    /// Decodes a fact; without `messages`, its message texts (most of its bytes) are left unread
    /// and `messages` is nil.
    static func decode(_ bytes: UnsafeRawBufferPointer, index: Int, messages withMessages: Bool) -> HTTPFact? {
        var r = SpillReader(bytes)
        guard let head = r.factHead(), let client = r.string(),
              let server = r.string(), let service = r.string(), let operation = r.string(), let method = r.string(),
              let path = r.string(), let status = r.optionalInt(), let imageID = r.optionalString(),
              let imageName = r.optionalString(), let reportedStatus = r.optionalString(),
              let reportedFields = r.stringMap(), let requestEnd = r.optionalInt(), let requestBytes = r.int(),
              let flags = r.byte(), let token = r.optionalString(), let subjectToken = r.optionalString(), let requestID = r.optionalString(),
              let responseBytes = r.int(), let notes = r.strings(), let requestWireBytes = r.int(),
              let evidence = r.strings(), let minimumRequest = r.optionalInt(), let minimumResponse = r.optionalInt(),
              let query = r.optionalString(), let transfer = r.transfer(),
              let proxyEvidence = HTTPProxyEvidence.decode(&r), let bytesNotCaptured = r.int(),
              let requestBytesNotCaptured = r.int(), let tokenIssuedAt = r.optionalString() else { return nil }
        var messages: HTTPMessageTexts?
        if withMessages {
            guard let hasMessages = r.byte() else { return nil }
            if hasMessages != 0 {
                guard let request = r.optionalString(), let response = r.optionalString() else { return nil }
                messages = HTTPMessageTexts(request: request, response: response)
            }
        }
        var fact = HTTPFact(index: index, time: head.time, end: head.end, connection: head.connection, client: client, server: server,
                            service: service, operation: OpenStackOperation(rawValue: operation), method: method, path: path,
                            status: status.map { Int(truncatingIfNeeded: $0) }, imageID: imageID, imageName: imageName,
                            reportedStatus: reportedStatus, reportedFields: reportedFields,
                            requestBytes: Int(truncatingIfNeeded: requestBytes), requestComplete: flags & 1 != 0,
                            tokenFingerprint: token,
                            subjectTokenFingerprint: subjectToken)
        fact.requestEnd = requestEnd.map { Timestamp(nanoseconds: $0) }
        fact.requestID = requestID
        fact.responseBytes = Int(truncatingIfNeeded: responseBytes)
        fact.tls = flags & 2 != 0
        fact.inferred = flags & 4 != 0
        fact.requestStreamEndedInBody = flags & 8 != 0
        fact.notes = notes
        fact.requestWireBytes = Int(truncatingIfNeeded: requestWireBytes)
        fact.evidence = evidence
        if let minimumRequest, let minimumResponse {
            fact.minimumBytes = (Int(truncatingIfNeeded: minimumRequest), Int(truncatingIfNeeded: minimumResponse))
        }
        fact.query = query
        fact.transfer = transfer
        fact.proxyEvidence = proxyEvidence
        fact.messages = messages
        fact.bytesNotCaptured = Int(truncatingIfNeeded: bytesNotCaptured)
        fact.requestBytesNotCaptured = Int(truncatingIfNeeded: requestBytesNotCaptured)
        fact.tokenIssuedAt = tokenIssuedAt
        return fact
    }

    /// Body digests stay in memory: the hashers may still be at work when the fact is stored.
    /// Tested before `HTTPFactDigests.init`, which allocates its object before it can fail:
    /// nearly every fact has no digests.
    package static func companion(of fact: HTTPFact) -> AnyObject? {
        guard fact.uploadDigests != nil || fact.transfer.joinedUploadDigests != nil || fact.transfer.downloadDigests != nil
        else { return nil }
        return HTTPFactDigests(fact)
    }

    package static func attach(_ companion: AnyObject, to fact: inout HTTPFact) {
        (companion as? HTTPFactDigests)?.attach(to: &fact)
    }

    package static func traitBits(of fact: HTTPFact) -> UInt8 {
        traitBits(namesImage: fact.imageID != nil || fact.imageName != nil, status: fact.status,
                  requestComplete: fact.requestComplete, operation: fact.operation, carriesToken: fact.tokenFingerprint != nil,
                  imageID: fact.imageID != nil, inferred: fact.inferred,
                  service: OpenStackService(rawValue: fact.service) ?? .other)
    }

    static func traitBits(namesImage: Bool, status: Int?, requestComplete: Bool, operation: OpenStackOperation,
                          carriesToken: Bool, imageID: Bool, inferred: Bool, service: OpenStackService) -> UInt8 {
        var traits: HTTPFactTraits = []
        if namesImage { traits.insert(.namesImage) }
        if (status ?? 0) >= 500 || !requestComplete { traits.insert(.anomalous) }
        if operation == .tokenIssue { traits.insert(.tokenIssue) }
        if carriesToken { traits.insert(.carriesToken) }
        if operation == .imageImport && imageID { traits.insert(.imageImport) }
        if inferred { traits.insert(.inferred) }
        if service == .keystone || service == .swift { traits.insert(.serviceCall) }
        if service == .glance { traits.insert(.glance) }
        return traits.rawValue
    }

    package static func lost(index: Int, time: Timestamp, end: Timestamp, connection: Int) -> HTTPFact {
        var fact = HTTPFact(index: index, time: time, end: end, connection: connection, client: "", server: "",
                            service: "other", operation: "?", method: "?", path: "?", status: nil)
        fact.notes = ["lost: the temporary file could not be read back"]
        return fact
    }
}

extension FactStore where Fact == HTTPFact {
    /// Appends the fact `HTTPFact(exchange: exchange, call: call, index: count, endpointTexts:
    /// endpointTexts, messageTexts: false)` would be, written straight from the exchange and
    /// its call (see `HTTPFact.encodeFields(exchange:...)`); reads as that fact would.
    package func append(exchange: borrowing HTTPExchange, call: borrowing OpenStackCall,
                        endpointTexts: (client: String, server: String)) {
        let parts = HTTPFact.ExchangeParts(exchange: exchange, call: call)
        let traits = HTTPFact.traitBits(namesImage: call.imageID != nil || call.imageName != nil, status: call.status,
                                        requestComplete: parts.requestComplete, operation: call.operation,
                                        carriesToken: call.tokenFingerprint != nil, imageID: call.imageID != nil,
                                        inferred: false, service: call.service)
        // Tested first: the failable initialiser allocates its object before it fails.
        let companion = exchange.uploadDigests == nil && exchange.joinedUploadDigests == nil && exchange.downloadDigests == nil
            ? nil : HTTPFactDigests(upload: exchange.uploadDigests, joinedUpload: exchange.joinedUploadDigests,
                                    download: exchange.downloadDigests)
        append(time: parts.start, end: parts.end, connection: exchange.connection, traits: traits, companion: companion) {
            HTTPFact.encodeFields(exchange: exchange, call: call, parts: parts, endpointTexts: endpointTexts, into: &$0)
        }
    }

    package func traits(at position: Int) -> HTTPFactTraits { HTTPFactTraits(rawValue: traitBits(at: position)) }

    /// The fact at `position` without its message texts (`messages` is nil): for the reports
    /// that do not show them (the `http` list, JSON), which then neither read nor build them.
    package func withoutMessages(at position: Int) -> HTTPFact {
        fact(at: position) { HTTPFact.decode($0, index: $1, messages: false) }
    }
}
