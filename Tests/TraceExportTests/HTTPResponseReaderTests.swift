import Foundation
import TestSupport
import Testing
@testable import TraceExport

/// The response reader fed bytes directly: any split of the stream reads alike, and malformed or
/// oversized answers are errors, never traps.
struct HTTPResponseReaderTests {
    static func read(_ text: String, splitting seed: UInt64? = nil, limits: HTTPResponseReader.Limits = .init(), close: Bool = false)
        throws(HTTPPostFailure) -> HTTPPostResponse? {
        let bytes = Array(text.utf8)
        var reader = HTTPResponseReader(limits: limits)
        var random = SplitMix64(seed: seed ?? 0)
        var index = 0
        while index < bytes.count {
            let count = seed == nil ? bytes.count : Int(random.next() % 7) + 1
            let end = min(index + count, bytes.count)
            var failure: HTTPPostFailure?
            bytes[index..<end].withUnsafeBytes { raw in
                do throws(HTTPPostFailure) { try reader.consume(raw) } catch { failure = error }
            }
            if let failure { throw failure }
            index = end
        }
        if close { try reader.consumeEnd() }
        return reader.response
    }

    static let chunked = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nRetry-After:  3 \r\n\r\n"
        + "4\r\nabcd\r\nA;name=value\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n"

    @Test(arguments: [UInt64](1...20))
    func anySplitReadsAlike(seed: UInt64) throws {
        let whole = try #require(try Self.read(Self.chunked))
        #expect(whole == HTTPPostResponse(status: 200, retryAfter: "3", body: Array("abcd0123456789".utf8)))
        #expect(try Self.read(Self.chunked, splitting: seed) == whole)
    }

    @Test func bareLineFeedsAndNoBodyStatuses() throws {
        #expect(try Self.read("HTTP/1.0 204 No Content\n\n") == HTTPPostResponse(status: 204, retryAfter: nil, body: []))
        #expect(try Self.read("HTTP/1.1 200 OK\nContent-Length: 2\n\nokEXTRA") == HTTPPostResponse(status: 200, retryAfter: nil, body: Array("ok".utf8)))
        #expect(try Self.read("HTTP/1.1 200 OK\r\n\r\nuntil close") == nil)
        #expect(try Self.read("HTTP/1.1 200 OK\r\n\r\nuntil close", close: true)?.body == Array("until close".utf8))
    }

    @Test(arguments: [
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
    ])
    func malformedAnswersAreErrors(text: String) {
        #expect(throws: HTTPPostFailure.self) { try Self.read(text) }
    }

    @Test func boundsHold() throws {
        let small = HTTPResponseReader.Limits(head: 100, headerCount: 3, body: 10)
        #expect(throws: HTTPPostFailure.self) { try Self.read("HTTP/1.1 200 OK\r\nX: " + String(repeating: "y", count: 200) + "\r\n\r\n", limits: small) }
        #expect(throws: HTTPPostFailure.self) { try Self.read("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits: small) }
        let long = try #require(try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "z", count: 50), limits: small))
        #expect(long.bodyTruncated && long.body.count == 10)
        let chunks = try #require(try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n", limits: small))
        #expect(chunks.bodyTruncated && chunks.body == Array("1234567812".utf8))
        #expect(throws: HTTPPostFailure.self) {
            try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "0", count: 5000), limits: small)
        }
    }

    @Test func endOfStreamBeforeAnAnswerSaysSo() {
        #expect(throws: HTTPPostFailure("the receiver closed the connection without answering")) { try Self.read("", close: true) }
        #expect(throws: HTTPPostFailure.self) { try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", close: true) }
    }
}
