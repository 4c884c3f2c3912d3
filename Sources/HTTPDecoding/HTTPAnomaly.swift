import CaptureIO
import Reassembly

/// Something wrong or unusual in an HTTP stream: reported, never a crash.
package struct HTTPAnomaly: Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    package enum Kind: String, Sendable, Hashable {
        case malformedStartLine = "malformed-start-line"
        case malformedHeader = "malformed-header"
        case headerTooLarge = "header-too-large"
        case invalidContentLength = "invalid-content-length"
        case invalidChunk = "invalid-chunk"
        case unsupportedTransferEncoding = "unsupported-transfer-encoding"
        /// Bytes lost while reading a start line or headers: the message cannot be framed.
        case gapInHead = "gap-in-head"
        /// Bytes lost inside a body: counted, the exchange is incomplete.
        case gapInBody = "gap-in-body"
        /// A gap took a chunk boundary with it: the body is counted until a later chunk-size
        /// line or the next start line.
        case chunkFramingLost = "chunk-framing-lost"
        /// The capture's snap length cut a start line or headers (not a loss: the bytes were on
        /// the wire): the message is reported from what was captured, its size is unknown.
        case headNotCaptured = "head-not-captured"
        /// The capture's snap length cut body bytes (not a loss): counted, hashes not verifiable.
        case bodyNotCaptured = "body-not-captured"
        /// Bytes lost between messages: a whole message may be missing.
        case gapBetweenMessages = "gap-between-messages"
        /// The decoder skipped bytes to find the next start line.
        case resynchronized
        case truncatedMessage = "truncated-message"
        case responseWithoutRequest = "response-without-request"
        case requestWithoutResponse = "request-without-response"
        case decompressionFailed = "decompression-failed"
        case bodyNotKept = "body-not-kept"
        case tooManyPendingRequests = "too-many-pending-requests"
        /// More interim (1xx) responses than kept: the rest are only counted.
        case tooManyInterimResponses = "too-many-interim-responses"
        case protocolSwitch = "protocol-switch"
    }

    package var kind: Kind
    /// The direction the problem was seen in, when it belongs to one.
    package var direction: FlowDirection?
    package var time: Timestamp
    /// A human-readable explanation naming the place (byte counts, the line seen).
    package var message: String

    package init(kind: Kind, direction: FlowDirection?, time: Timestamp, message: String) {
        self.kind = kind
        self.direction = direction
        self.time = time
        self.message = message
    }

    package var description: String { "\(kind.rawValue): \(message)" }
}
