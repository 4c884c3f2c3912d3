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

/// The fields of an HTTP exchange that its list line shows.
package struct HTTPListFields {
    package var time: Timestamp
    package var end: Timestamp
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
    package var requestID: StoredText?
    package var responseBytes: Int
    /// The notes, as `put(_: [String])` wrote them after their count.
    private var noteBytes: ByteReader
    package let noteCount: Int

    /// Reads the fields up to the notes; nil when the bytes are not an encoded HTTP fact.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var r = SpillReader(bytes)
        guard let head = r.factHead(), let client = r.stringBytes(), let server = r.stringBytes(),
              let service = r.stringBytes(), let operation = r.stringBytes(), let method = r.stringBytes(),
              let path = r.stringBytes(), let status = r.optionalInt(), let imageID = r.optionalStringBytes(),
              r.skipOptionalString(), r.skipOptionalString(), r.skipStringMap(), r.optionalInt() != nil,
              let requestBytes = r.int(), let flags = r.byte(), r.skipOptionalString(), r.skipOptionalString(),
              let requestID = r.optionalStringBytes(), let responseBytes = r.int(), let noteCount = r.count() else { return nil }
        let notes = r
        for _ in 0..<noteCount where r.stringBytes() == nil { return nil }
        time = head.time
        end = head.end
        self.client = client
        self.server = server
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.status = status.map { Int(truncatingIfNeeded: $0) }
        self.imageID = imageID
        self.requestBytes = Int(truncatingIfNeeded: requestBytes)
        tls = flags & 2 != 0
        inferred = flags & 4 != 0
        self.requestID = requestID
        self.responseBytes = Int(truncatingIfNeeded: responseBytes)
        noteBytes = notes
        self.noteCount = noteCount
    }

    /// Each note's bytes, in order.
    package func forEachNote(_ body: (StoredText) -> Void) {
        var r = noteBytes
        for _ in 0..<noteCount {
            guard let note = r.stringBytes() else { return }
            body(note)
        }
    }
}

/// The fields of a SQL command that its list line shows.
package struct SQLListFields {
    /// `SQLFact.Outcome`, with the error message in place.
    package enum Outcome {
        case ok(affectedRows: Int64?)
        case error(code: Int, message: StoredText)
        case rows(Int)
        case none
    }

    package var time: Timestamp
    package var end: Timestamp
    package var user: StoredText?
    package var database: StoredText?
    package var statement: StoredText
    package var command: MySQLCommand
    package var client: StoredText
    package var threadID: Int?
    package var tls: Bool
    package var outcome: Outcome

    /// nil when the bytes are not an encoded SQL fact.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var r = SpillReader(bytes)
        guard let head = r.factHead(), r.skipRows(), let user = r.optionalStringBytes(), let database = r.optionalStringBytes(),
              let statement = r.stringBytes(), let command = r.byte(), r.optionalInt() != nil, let client = r.stringBytes(),
              r.stringBytes() != nil, let threadID = r.optionalInt(), r.skipOptionalString(), r.optionalInt() != nil,
              let flags = r.byte(), let tag = r.byte() else { return nil }
        switch tag {
        case 0:
            guard let affected = r.optionalInt() else { return nil }
            outcome = .ok(affectedRows: affected)
        case 1:
            guard let code = r.int(), let message = r.stringBytes() else { return nil }
            outcome = .error(code: Int(truncatingIfNeeded: code), message: message)
        case 2:
            guard let count = r.int() else { return nil }
            outcome = .rows(Int(truncatingIfNeeded: count))
        case 3:
            outcome = .none
        default:
            return nil
        }
        time = head.time
        end = head.end
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
        withStoredBytes(at: position) { bytes in
            guard let fields = HTTPListFields(bytes), !fields.inferred else { return false }
            body(fields)
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
