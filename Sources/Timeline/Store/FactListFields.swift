import ByteReading
import CaptureIO
import MySQLDecoding

// What a line of the `http` and `sql` lists shows of a fact, read in place from its stored bytes
// (the layouts of `HTTPFact.encode` and `SQLFactCodec.encode`): the lists write a hundred
// thousand lines or more, and decoding each fact whole (every String, the kept rows, the
// proxy evidence) cost more than writing its line. The views are valid only inside the closure
// that is given them (which must not read the same reader meanwhile); their texts are the UTF-8
// bytes `decode` would make Strings of.

/// A stored text's UTF-8 bytes (valid UTF-8: written from a String).
package typealias StoredText = UnsafeRawBufferPointer

/// The fields of an HTTP exchange that its list line shows, and (`rest()`) those its JSON
/// element shows besides.
package struct HTTPListFields {
    package var time: Timestamp
    package var end: Timestamp
    package var connection: Int
    package var client: StoredText
    package var server: StoredText
    package var service: StoredText
    package var operation: StoredText
    package var method: StoredText
    package var path: StoredText
    package var status: Int?
    package var imageID: StoredText?
    package var requestBytes: Int
    package var tls: Bool
    package var inferred: Bool
    package var requestComplete: Bool
    package var tokenFingerprint: StoredText?
    package var requestID: StoredText?
    package var responseBytes: Int
    /// The notes, as `put(_: [String])` wrote them after their count.
    private var noteBytes: ByteReader
    package let noteCount: Int
    /// The bytes after the notes.
    private var restBytes: ByteReader

    /// Reads the fields up to the notes; nil when the bytes are not an encoded HTTP fact.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var r = SpillReader(bytes)
        guard let head = r.factHead(), let client = r.stringBytes(), let server = r.stringBytes(),
              let service = r.stringBytes(), let operation = r.stringBytes(), let method = r.stringBytes(),
              let path = r.stringBytes(), let status = r.optionalInt(), let imageID = r.optionalStringBytes(),
              r.skipOptionalString(), r.skipOptionalString(), r.skipStringMap(), r.optionalInt() != nil,
              let requestBytes = r.int(), let flags = r.byte(), let token = r.optionalStringBytes(), r.skipOptionalString(),
              let requestID = r.optionalStringBytes(), let responseBytes = r.int(), let noteCount = r.count() else { return nil }
        let notes = r
        for _ in 0..<noteCount where r.stringBytes() == nil { return nil }
        (time, end, connection) = (head.time, head.end, head.connection)
        (self.client, self.server, self.service, self.operation) = (client, server, service, operation)
        (self.method, self.path, self.imageID, self.requestID) = (method, path, imageID, requestID)
        self.status = status.map { Int(truncatingIfNeeded: $0) }
        (self.requestBytes, self.responseBytes) = (Int(truncatingIfNeeded: requestBytes), Int(truncatingIfNeeded: responseBytes))
        (requestComplete, tls, inferred) = (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0)
        tokenFingerprint = token
        (noteBytes, self.noteCount, restBytes) = (notes, noteCount, r)
    }

    /// The fields after the notes that the JSON element shows; nil when the bytes are not an
    /// encoded HTTP fact.
    package func rest() -> HTTPRestFields? {
        var r = restBytes
        guard let requestWireBytes = r.int(), let evidenceCount = r.count() else { return nil }
        let evidence = r
        for _ in 0..<evidenceCount where r.stringBytes() == nil { return nil }
        // Then the minimum sizes, the query, the transfer facts and the proxy evidence.
        guard r.optionalInt() != nil, r.optionalInt() != nil, let query = r.optionalStringBytes(),
              r.int() != nil, r.byte() != nil, let etag = r.optionalStringBytes(), r.skipOptionalString(),
              let transID = r.optionalStringBytes(), r.skipOptionalString(), r.skipOptionalString(),
              r.skipStrings(), r.skipStrings(), r.skipStrings(), r.optionalInt() != nil, r.optionalInt() != nil,
              let bytesNotCaptured = r.int() else { return nil }
        return HTTPRestFields(requestWireBytes: Int(truncatingIfNeeded: requestWireBytes), evidenceBytes: evidence,
                              evidenceCount: evidenceCount, query: query, etag: etag, transID: transID,
                              bytesNotCaptured: Int(truncatingIfNeeded: bytesNotCaptured))
    }

    /// Each note's bytes, in order.
    package func forEachNote(_ body: (StoredText) -> Void) { noteBytes.forEachString(noteCount, body) }
}

/// The fields of an HTTP exchange after its notes that its JSON element shows
/// (`HTTPListFields.rest()`).
package struct HTTPRestFields {
    package var requestWireBytes: Int
    fileprivate var evidenceBytes: ByteReader
    package let evidenceCount: Int
    package var query: StoredText?
    package var etag: StoredText?
    package var transID: StoredText?
    package var bytesNotCaptured: Int

    /// Each line of evidence's bytes, in order.
    package func forEachEvidence(_ body: (StoredText) -> Void) { evidenceBytes.forEachString(evidenceCount, body) }
}

/// The fields of a SQL command that its list line shows.
package struct SQLListFields {
    /// `SQLFact.Outcome`, with the error message in place.
    package enum Outcome { case ok(affectedRows: Int64?), error(code: Int, message: StoredText), rows(Int), none }

    package var time: Timestamp, end: Timestamp, connection: Int
    package var user: StoredText?, database: StoredText?, statement: StoredText, command: MySQLCommand
    package var client: StoredText, server: StoredText, threadID: Int?
    package var sqlstate: StoredText?, tls: Bool, complete: Bool
    package var outcome: Outcome, lastInsertID: Int64?

    /// nil when the bytes are not an encoded SQL fact.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var r = SpillReader(bytes)
        guard let head = r.factHead(), r.skipRows(), let user = r.optionalStringBytes(), let database = r.optionalStringBytes(),
              let statement = r.stringBytes(), let command = r.byte(), r.optionalInt() != nil, let client = r.stringBytes(),
              let server = r.stringBytes(), let threadID = r.optionalInt(), let sqlstate = r.optionalStringBytes(),
              r.optionalInt() != nil, let flags = r.byte(), let outcome = r.sqlOutcome(),
              let lastInsertID = r.optionalInt() else { return nil }
        self.outcome = outcome
        self.lastInsertID = lastInsertID
        time = head.time
        end = head.end
        connection = head.connection
        self.server = server
        self.sqlstate = sqlstate
        complete = flags & 1 != 0
        self.user = user
        self.database = database
        self.statement = statement
        self.command = MySQLCommand(rawValue: command)
        self.client = client
        self.threadID = threadID.map { Int(truncatingIfNeeded: $0) }
        tls = flags & 2 != 0
    }
}

extension SpillReader {
    /// Hands `body` the next `count` strings' bytes (of a list `put(_: [String])` wrote),
    /// leaving this reader where it is.
    func forEachString(_ count: Int, _ body: (StoredText) -> Void) {
        var r = self
        for _ in 0..<count {
            guard let text = r.stringBytes() else { return }
            body(text)
        }
    }

    /// A SQL fact's outcome as `SQLFactCodec.encode` wrote it (a tag, then its values), the
    /// error message in place.
    mutating func sqlOutcome() -> SQLListFields.Outcome? {
        guard let tag = byte() else { return nil }
        if tag == 0 { return optionalInt().map { .ok(affectedRows: $0) } }
        if tag == 1 {
            guard let code = int(), let message = stringBytes() else { return nil }
            return .error(code: Int(truncatingIfNeeded: code), message: message)
        }
        if tag == 2 { return int().map { .rows(Int(truncatingIfNeeded: $0)) } }
        return tag == 3 ? SQLListFields.Outcome.none : nil
    }

    /// Passes over what `put(_: [String])` wrote.
    mutating func skipStrings() -> Bool {
        guard let n = count() else { return false }
        for _ in 0..<n where stringBytes() == nil { return false }
        return true
    }

    /// Passes over what `put(_: [String: String])` wrote.
    mutating func skipStringMap() -> Bool {
        guard let n = count() else { return false }
        for _ in 0..<(n &* 2) where stringBytes() == nil { return false }
        return true
    }
}

extension FactStore.Reader where Fact == HTTPFact {
    /// Gives `body` the list fields of the fact at `position`; false (and `body` not called) when
    /// the fact has a part kept in memory (an upload's digests), cannot be read back or is
    /// inferred: the caller then reads the whole fact.
    package func withListFields(at position: Int, _ body: (borrowing HTTPListFields) -> Void) -> Bool {
        withStoredFields(at: position, inferred: false, body)
    }

    /// Gives `body` the fields of the fact at `position`, an inferred call's too when `inferred`;
    /// false (and `body` not called) as `withListFields`.
    package func withStoredFields(at position: Int, inferred: Bool, _ body: (borrowing HTTPListFields) -> Void) -> Bool {
        withStoredBytes(at: position) { bytes in
            guard let fields = HTTPListFields(bytes), inferred || !fields.inferred else { return false }
            body(fields)
            return true
        }
    }
}

extension FactStore.Reader where Fact == HTTPFact {
    /// Gives `body` the stored service name of the fact at `position` (what `HTTPFact.service`
    /// decodes to, an inferred call's too), reading nothing after it; false (and `body` not
    /// called) as `withListFields`.
    package func withService(at position: Int, _ body: (StoredText) -> Void) -> Bool {
        withStoredBytes(at: position) { bytes in
            var r = SpillReader(bytes)
            guard r.skipFactHead(), r.stringBytes() != nil, r.stringBytes() != nil, let service = r.stringBytes() else { return false }
            body(service)
            return true
        }
    }
}

extension FactStore.Reader where Fact == SQLFact {
    /// Gives `body` the list fields of the fact at `position`; false when it cannot be read back.
    package func withListFields(at position: Int, _ body: (borrowing SQLListFields) -> Void) -> Bool {
        withStoredBytes(at: position) { bytes in
            guard let fields = SQLListFields(bytes) else { return false }
            body(fields)
            return true
        }
    }
}

extension HTTPListFields {
    /// The list fields of a fact in hand (one read whole), through its byte form.
    package static func withFields(of fact: HTTPFact, _ body: (borrowing HTTPListFields) -> Void) {
        var bytes: [UInt8] = []
        HTTPFact.encode(fact, into: &bytes)
        bytes.withUnsafeBytes { if let fields = HTTPListFields($0) { body(fields) } }
    }
}

extension SQLListFields {
    /// The list fields of a fact in hand (one read whole), through its byte form.
    package static func withFields(of fact: SQLFact, _ body: (borrowing SQLListFields) -> Void) {
        var bytes: [UInt8] = []
        SQLFactCodec.encode(fact, into: &bytes)
        bytes.withUnsafeBytes { if let fields = SQLListFields($0) { body(fields) } }
    }
}
