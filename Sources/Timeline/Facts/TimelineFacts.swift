import CaptureIO
import HTTPDecoding
import MySQLDecoding

/// What the timeline needs of one HTTP exchange, whatever decoded it.
///
/// The timeline works on these facts rather than on decoder types so that its rules
/// (identity, lifecycle, attribution) can be tested with hand-made facts.
package struct HTTPFact: Sendable {
    /// The exchange's position among the analysis's exchanges (its index in JSON's `http`).
    package var index: Int
    /// When the exchange began (its first byte seen).
    package var time: Timestamp
    /// When the exchange ended (its response's last byte, or the last byte seen).
    package var end: Timestamp
    /// The TCP connection (reassembler index) the exchange travelled on.
    package var connection: Int
    /// The client's endpoint, `ip:port` (`[addr]:port` for IPv6).
    package var client: String
    /// The server's endpoint, `ip:port` (`[addr]:port` for IPv6).
    package var server: String
    /// The OpenStack service's JSON spelling (`keystone`, `glance`, `swift`, `other`).
    package var service: String
    /// What the call does, from the route table (`image-upload`, `token-issue`, ...).
    package var operation: OpenStackOperation
    /// The request method; `-` when the request is not in the capture.
    package var method: String
    /// The request target's path, without the query.
    package var path: String
    /// The request target's query without `?` (secret parameters masked), or nil.
    package var query: String?
    /// The final response's status code; nil without a response.
    package var status: Int?
    /// Image id from the path, `Location` or the response JSON.
    package var imageID: String?
    /// Image name from the request or response JSON, or the path of a lookup by name.
    package var imageName: String?
    /// The image's status as the response JSON reported it.
    package var reportedStatus: String?
    /// Image fields the response JSON reported (disk_format, size, checksum, ...), as text.
    package var reportedFields: [String: String]
    /// When the last byte of the request arrived (for uploads: the end of the image data).
    package var requestEnd: Timestamp?
    /// Request body bytes on the wire (for uploads).
    package var requestBytes: Int
    /// Whether the whole request (head and body) is in the capture.
    package var requestComplete: Bool
    /// MD5 and SHA-512 of an upload's body; they may still be computing (see `UploadDigests`).
    package var uploadDigests: UploadDigests?
    /// Waits for the hasher.
    package var uploadMD5: String? { uploadDigests?.md5 }
    /// Waits for the hasher.
    package var uploadSHA512: String? { uploadDigests?.sha512 }
    /// The masked `X-Auth-Token` (first 8 hex digits of its SHA-256): the caller's token.
    package var tokenFingerprint: String?
    /// The masked `X-Subject-Token`: the token a Keystone call issued or validated.
    package var subjectTokenFingerprint: String?
    /// `X-Openstack-Request-Id` of the response.
    package var requestID: String?
    /// `token.issued_at` of a Keystone token response (see `OpenStackCall.tokenIssuedAt`).
    package var tokenIssuedAt: String?
    /// Bytes of the response (headers and body) on the wire.
    package var responseBytes: Int = 0
    /// True when the exchange was decrypted from TLS, or inferred from its encrypted records.
    package var tls: Bool = false
    /// Request bytes on the wire: start line, headers and body (`requestBytes` is the body).
    package var requestWireBytes: Int = 0
    /// Seen only as encrypted TLS records (see `TLSExchangeInference`): `method` and `path` are
    /// empty and `status` nil; `requestBytes` and `requestWireBytes` are the request's plaintext,
    /// head and body together; `operation` is what the SQL it caused shows; `evidence` says why.
    package var inferred: Bool = false
    /// Why an inferred exchange is what it is said to be, one finding per line.
    package var evidence: [String] = []
    /// Inferred exchanges of CBC suites: the fewest plaintext bytes each side may hold (the
    /// sizes reported are the most); nil when the sizes are exact.
    package var minimumBytes: (request: Int, response: Int)?
    /// What the decoder could not make sense of, or what is missing (gaps).
    package var notes: [String] = []
    /// The client's stream ended inside the request body (the decoder's `truncatedMessage` in the
    /// request direction): a client that went away mid-upload, not bytes the capture lacks.
    package var requestStreamEndedInBody = false
    /// The image data it carried beyond the upload, and what an object store said of it.
    package var transfer = HTTPTransferFacts()
    /// What a proxy kept or added, for joining a request's legs (see `ProxyLegs`).
    package var proxyEvidence = HTTPProxyEvidence()
    /// Start lines, headers and capped bodies, secrets masked, for a report's detail view.
    package var messages: HTTPMessageTexts?
    /// Bytes of the exchange the snap length cut (both directions): on the wire, not captured.
    package var bytesNotCaptured = 0
    /// Of those, the request body's (included in `requestBytes`): an upload's hashes are then not verifiable.
    package var requestBytesNotCaptured = 0
}

extension HTTPFact {
    // In an extension, so that the type keeps its memberwise initialiser: built by it in one
    // expression, a fact is made in place (`HTTPFact(exchange:...)`); assigned member by member,
    // it was copied out whole at the end (every string retained and released once more).

    /// A fact with what the tests and the decoders' adapters give; the other members start empty.
    package init(index: Int, time: Timestamp, end: Timestamp, connection: Int, client: String, server: String,
                service: String, operation: OpenStackOperation, method: String, path: String, status: Int?,
                imageID: String? = nil, imageName: String? = nil, reportedStatus: String? = nil,
                reportedFields: [String: String] = [:], requestBytes: Int = 0, requestComplete: Bool = true,
                uploadMD5: String? = nil, uploadSHA512: String? = nil, uploadDigests: UploadDigests? = nil,
                tokenFingerprint: String? = nil, subjectTokenFingerprint: String? = nil) {
        self.index = index
        self.time = time
        self.end = end
        self.connection = connection
        self.client = client
        self.server = server
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.status = status
        self.imageID = imageID
        self.imageName = imageName
        self.reportedStatus = reportedStatus
        self.reportedFields = reportedFields
        self.requestBytes = requestBytes
        self.requestComplete = requestComplete
        self.uploadDigests = uploadDigests
            ?? (uploadMD5 == nil && uploadSHA512 == nil ? nil : UploadDigests(md5: uploadMD5, sha512: uploadSHA512))
        self.requestEnd = nil
        self.tokenFingerprint = tokenFingerprint
        self.subjectTokenFingerprint = subjectTokenFingerprint
    }
}

/// What the timeline needs of one MySQL command and its response.
package struct SQLFact: Sendable {
    /// How the server answered.
    package enum Outcome: Sendable, Equatable {
        /// An OK packet, with its affected-rows count when it has one.
        case ok(affectedRows: Int64?)
        /// An ERR packet.
        case error(code: Int, message: String)
        /// A result set of this many rows.
        case rows(Int)
        /// No response (`COM_QUIT`, closing a statement, long data) or none seen.
        case none
    }

    /// The command's position among the analysis's commands (its index in JSON's `sql`).
    package var index: Int
    /// When the command was sent.
    package var time: Timestamp
    /// When its response ended (`time` when no response was seen).
    package var end: Timestamp
    /// The TCP connection (reassembler index) the command travelled on.
    package var connection: Int
    /// The client's endpoint, `ip:port`.
    package var client: String
    /// The server's endpoint, `ip:port`.
    package var server: String = ""
    /// MySQL's connection (thread) id, from the server's handshake, when captured.
    package var threadID: Int?
    /// The SQLSTATE of an error response.
    package var sqlstate: String?
    /// Rows a result set returned (all of them, also beyond the kept ones).
    package var rowCount: Int?
    /// Whether the command and its whole response are in the capture.
    package var complete: Bool = true
    /// True when the command was decrypted from TLS (a connection that sent an SSLRequest).
    package var tls: Bool = false
    /// The user the connection logged in as, when its handshake was captured.
    package var user: String?
    /// The default database (login or `COM_INIT_DB`), when known.
    package var database: String?
    /// The command (`COM_QUERY` ...); its `name` is how MySQL's general query log spells it
    /// (`Query`, `Execute`, ...), the spelling of every output.
    package var command: MySQLCommand
    /// The statement text (for `Execute`, the prepared text with its parameters bound).
    package private(set) var statement: String
    /// The statement's first word (`SQLVerb`), worked out once when the fact is made: the
    /// traits, the transaction log and attribution all ask it.
    package private(set) var verb: SQLVerb?
    /// How the server answered.
    package var outcome: Outcome
    /// Row values of a result set, as far as the decoder kept them.
    package var keptRows: MySQLRows
    /// The kept rows as column -> value.
    package var rows: [[String: String?]] { keptRows.dictionaries }
    /// The auto-increment id an INSERT produced (OK packet), which later statements use as key.
    package var lastInsertID: Int64?

    /// A fact with what the tests and the decoders' adapters give; the other members start empty.
    package init(index: Int, time: Timestamp, end: Timestamp, connection: Int, client: String, user: String?,
                database: String?, command: MySQLCommand, statement: String, outcome: Outcome, rows: [[String: String?]] = [],
                keptRows: MySQLRows? = nil, lastInsertID: Int64? = nil) {
        self.init(index: index, time: time, end: end, connection: connection, client: client, user: user,
                  database: database, command: command, statement: statement, verb: SQLVerb(statement: statement),
                  outcome: outcome, rows: rows, keptRows: keptRows, lastInsertID: lastInsertID)
    }

    /// A fact whose verb is known already (read back from the spill file).
    package init(index: Int, time: Timestamp, end: Timestamp, connection: Int, client: String, user: String?,
                 database: String?, command: MySQLCommand, statement: String, verb: SQLVerb?, outcome: Outcome,
                 rows: [[String: String?]] = [], keptRows: MySQLRows? = nil, lastInsertID: Int64? = nil) {
        self.verb = verb
        self.index = index
        self.time = time
        self.end = end
        self.connection = connection
        self.client = client
        self.user = user
        self.database = database
        self.command = command
        self.statement = statement
        self.outcome = outcome
        self.keptRows = keptRows ?? (rows.isEmpty ? MySQLRows() : MySQLRows(rows))
        self.lastInsertID = lastInsertID
    }
}
