import CaptureIO
import Foundation
import TestSupport
import Testing
import Timeline
@testable import Splitting

/// --slim cuts bulk image bytes and nothing an analysis needs.
@Suite struct SlimTests {
    @Test("b-sequential: much smaller; frame lengths, MySQL queries and HTTP messages unchanged (tshark), upload heads byte-identical")
    func sharedUpload() throws {
        guard let tshark = ExternalTool.path("tshark"), let input = SplitTestSupport.sharedCapture("b-sequential") else { return }
        let scratch = try SplitTestSupport.scratchDirectory("slim")
        defer { SplitTestSupport.remove(scratch) }
        let summary = try SplitTestSupport.split(input, "\(scratch)/o.pcap") {
            $0.boundary = .packets(1_000_000)
            $0.slim = true
            $0.bulkRequest = ImageDataRoutes.hashesUpload  // what `glancetrace split` hands down
        }
        let slim = try #require(summary.pieces.first).path
        #expect(summary.packetsWritten == summary.packetsRead)
        #expect(summary.capturedBytesWritten * 10 < summary.capturedBytesRead, "\(summary.capturedBytesWritten) of \(summary.capturedBytesRead)")
        let fields = ["-T", "fields", "-E", "separator=|", "-e", "frame.len", "-e", "http.request.method", "-e", "http.request.uri",
                      "-e", "http.response.code", "-e", "mysql.query"]
        let original = try ExternalTool.run(tshark, ["-r", input] + fields).output.split(separator: "\n").map(String.init)
        let slimmed = try ExternalTool.run(tshark, ["-r", slim] + fields).output.split(separator: "\n").map(String.init)
        #expect(original.count == slimmed.count)
        #expect(original.filter { $0.contains("UPDATE images") }.count > 0)
        var uploads = 0
        for (a, b) in zip(original, slimmed) where a != b {
            // tshark shows an upload request where its body is reassembled; with the body cut it
            // cannot, so only those frames may differ (the heads are compared byte for byte below).
            let isUpload = a.contains("|PUT|") && a.contains("/file|")
            #expect(isUpload, "frame differs: \(a) vs \(b)")
            uploads += 1
        }
        #expect(uploads == 3)
        let heads = ["-Y", "tcp.payload contains \"PUT /v2\"", "-T", "fields", "-e", "frame.number", "-e", "tcp.payload"]
        let originalHeads = try ExternalTool.run(tshark, ["-r", input] + heads).output
        #expect(originalHeads.split(separator: "\n").count == 3)
        #expect(try ExternalTool.run(tshark, ["-r", slim] + heads).output == originalHeads)
    }

    static func upload(chunked: Bool, target: String = "/v2/images/abc/file") -> TCPConversationCapture {
        var capture = TCPConversationCapture()
        let body = [UInt8](repeating: 0x41, count: 3000)
        let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: 6000"
        let head = Array("PUT \(target) HTTP/1.1\r\nHost: glance\r\nContent-Type: application/octet-stream\r\n\(framing)\r\n\r\n".utf8)
        capture.open(client: 40000, server: 9292)
        capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: head)
        if chunked {
            let size = Array("bb8\r\n".utf8)
            capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: size + body + Array("\r\n".utf8))
            capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: size + body + Array("\r\n0\r\n\r\n".utf8))
        } else {
            capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: body)
            capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: body)
        }
        capture.segment(client: 40000, server: 9292, toServer: false, flags: 0x18,
                        payload: Array("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n".utf8))
        // The next request on the connection must be kept whole.
        capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18,
                        payload: Array("GET /v2/images HTTP/1.1\r\nHost: glance\r\n\r\n".utf8))
        return capture
    }

    /// Captured lengths of each packet of a slimmed synthetic capture.
    static func slimmedLengths(_ capture: TCPConversationCapture) throws -> [Int] {
        let scratch = try SplitTestSupport.scratchDirectory("slim-synth")
        defer { SplitTestSupport.remove(scratch) }
        try capture.data.write(to: URL(fileURLWithPath: "\(scratch)/in.pcap"))
        let summary = try SplitTestSupport.split("\(scratch)/in.pcap", "\(scratch)/o.pcap") {
            $0.boundary = .packets(100)
            $0.slim = true
            $0.bulkRequest = ImageDataRoutes.hashesUpload  // what `glancetrace split` hands down
        }
        let piece = try #require(summary.pieces.first)
        let bytes = try #require(FileManager.default.contents(atPath: piece.path))
        var lengths: [Int] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let caplen = bytes[(offset + 8)...].prefix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
            lengths.append(caplen)
            offset += 16 + caplen
        }
        return lengths
    }

    @Test("Content-Length upload: body segments cut to their 54 header bytes; head, response and next request kept")
    func contentLengthUpload() throws {
        let lengths = try Self.slimmedLengths(Self.upload(chunked: false))
        #expect(lengths[4...5] == [54, 54])
        #expect(lengths[3] > 54 && lengths[6] > 54 && lengths[7] > 54)
    }

    @Test("Chunked upload: chunk data and framing cut, the next request kept")
    func chunkedUpload() throws {
        let lengths = try Self.slimmedLengths(Self.upload(chunked: true))
        #expect(lengths[4...5] == [54, 54])
        #expect(lengths[7] == 54 + 41)
    }

    @Test("A PUT that is not an image upload (and not octet-stream) keeps its body")
    func otherPutKept() throws {
        var capture = TCPConversationCapture()
        let body = Array("{\"name\": \"x\"}".utf8)
        capture.open(client: 40000, server: 9292)
        capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18,
                        payload: Array("PUT /v2/images/abc/tags/x HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        let head = Array("PUT /v2/images/abc/tags/x HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        let lengths = try Self.slimmedLengths(capture)
        #expect(lengths[3] == 54 + head.count + body.count)
    }

    @Test("glance_store's write of a Swift object (no Content-Type) is cut like an upload; a container PUT keeps its body")
    func swiftObjectCut() throws {
        var capture = TCPConversationCapture()
        let body = [UInt8](repeating: 0x5a, count: 1000)
        capture.open(client: 40000, server: 8080)
        let head = Array("PUT /v1/AUTH_p/glance/0b9c8d1e-2f3a-4b5c-8d6e-7f8091a2b3c4 HTTP/1.1\r\nContent-Length: 1000\r\n\r\n".utf8)
        capture.segment(client: 40000, server: 8080, toServer: true, flags: 0x18, payload: head)
        capture.segment(client: 40000, server: 8080, toServer: true, flags: 0x18, payload: body)
        capture.segment(client: 40000, server: 8080, toServer: false, flags: 0x18,
                        payload: Array("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".utf8))
        let container = Array("PUT /v1/AUTH_p/glance HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd".utf8)
        capture.segment(client: 40000, server: 8080, toServer: true, flags: 0x18, payload: container)
        let lengths = try Self.slimmedLengths(capture)
        #expect(lengths[3] == 54 + head.count && lengths[4] == 54)
        #expect(lengths[6] == 54 + container.count)
    }

    @Test("Non-HTTP traffic (a MySQL-like stream) is kept whole")
    func opaqueKept() throws {
        var capture = TCPConversationCapture()
        capture.connection(client: 40000, server: 3306, exchanges: [([5, 0, 0, 0, 3, 0x53, 0x45, 0x4c, 0x31], [1, 0, 0, 1, 0])])
        let lengths = try Self.slimmedLengths(capture)
        #expect(lengths[3] == 54 + 9 && lengths[4] == 54 + 5)
    }

    /// Segments swapped across a chunk boundary (reordering on the wire) must not make the
    /// rest of a chunked upload look like unknown traffic: the segment ahead of the hole is
    /// held, parsed once the hole fills, and the later chunk data is still cut.
    @Test("Chunked upload with reordered segments keeps being slimmed after the swap")
    func chunkedUploadWithReordering() throws {
        var capture = TCPConversationCapture()
        capture.open(client: 40000, server: 9292)
        let head = Array("PUT /v2/images/abc/file HTTP/1.1\r\nHost: glance\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: head)
        var stream: [UInt8] = []
        for _ in 0..<10 { stream += Array("bb8\r\n".utf8) + [UInt8](repeating: 0x41, count: 3000) + Array("\r\n".utf8) }
        stream += Array("0\r\n\r\n".utf8)
        let pieces = stride(from: 0, to: stream.count, by: 1000).map { Array(stream[$0..<min($0 + 1000, stream.count)]) }
        let start = UInt32(1001 + head.count)
        // Pieces 2 and 3 (bytes 2000..<4000) straddle the first chunk's end: send 3 before 2.
        var order = Array(pieces.indices)
        order.swapAt(2, 3)
        for i in order {
            capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: pieces[i],
                            sequence: start &+ UInt32(i * 1000))
        }
        let lengths = try Self.slimmedLengths(capture)
        // 3 handshake packets and the head come first; then the pieces in the order sent.
        let body = Array(lengths[4...])
        #expect(body.count == pieces.count)
        // Pure chunk data well after the swap (piece 20, bytes 20000..<21000, inside chunk 7) is cut.
        #expect(body[20] == 54)
        #expect(body.filter { $0 == 54 }.count >= pieces.count / 2)
    }
}
