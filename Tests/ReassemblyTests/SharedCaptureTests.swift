import CaptureIO
import Crypto
import Foundation
import PacketDecoding
import TestSupport
import Testing
@testable import Reassembly

/// Hashes each direction of one connection as it streams by (a 27 MB capture is not kept).
final class DigestingConsumer: StreamConsumer {
    let connection: ConnectionInfo
    var hashers = [SHA256(), SHA256()]
    var counts = [0, 0]
    var missing = 0
    var closeReason: CloseReason?

    init(connection: ConnectionInfo) { self.connection = connection }

    func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        hashers[direction.rawValue].update(bufferPointer: bytes)
        counts[direction.rawValue] += bytes.count
    }
    func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) { missing += count }
    func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) { closeReason = reason }

    func digest(_ direction: FlowDirection) -> String {
        hashers[direction.rawValue].finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Every connection of the shared captures, both directions, against what
/// `tshark -o tcp.reassemble_out_of_order:TRUE -z follow,tcp,raw,N` reassembled
/// (recorded by Fixtures/expected/reassembly/record_follow_digests.py).
@Suite struct SharedCaptureTests {
    struct ExpectedStream {
        var index: Int
        var nodes: [String]
        var counts: [Int]
        var digests: [String]
    }

    static func expected(_ scenario: String) throws -> (connections: Int, streams: [ExpectedStream]) {
        let text = try String(contentsOfFile: CaptureFiles.expected("\(scenario).follow.txt"), encoding: .utf8)
        var connections = 0
        var streams: [ExpectedStream] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            if fields.first == "connections", fields.count == 2 { connections = Int(fields[1]) ?? -1; continue }
            guard fields.count == 7, let index = Int(fields[0]), let c0 = Int(fields[3]), let c1 = Int(fields[5]) else { continue }
            streams.append(ExpectedStream(index: index, nodes: [fields[1], fields[2]], counts: [c0, c1],
                                          digests: [fields[4], fields[6]]))
        }
        return (connections, streams)
    }

    @Test(arguments: ProjectPaths.sharedScenarios)
    func everyConnectionMatchesTsharkFollow(scenario: String) throws {
        let path = ProjectPaths.sharedCapture(scenario)
        guard CaptureFiles.exists(path) else {
            print("note: \(path) is absent; skipping")
            return
        }
        var consumers: [Int: DigestingConsumer] = [:]
        let reassembler = TCPReassembler { info, payload, _ in
            #expect(payload.map { !$0.isEmpty } ?? false)
            let consumer = DigestingConsumer(connection: info)
            consumers[info.index] = consumer
            return consumer
        }
        _ = try CaptureFiles.reassemble(path, into: reassembler)
        let expected = try Self.expected(scenario)
        let totals = reassembler.totals
        #expect(totals.connections == expected.connections)
        #expect(totals.gaps == 0)
        #expect(totals.missingBytes == 0)
        #expect(reassembler.bufferedBytes == 0)
        #expect(reassembler.openConnections == 0)
        for stream in expected.streams {
            let total = stream.counts[0] + stream.counts[1]
            guard let consumer = consumers[stream.index] else {
                #expect(total == 0, "stream \(stream.index) carries data but was never followed")
                continue
            }
            // tshark's Node 0 is whichever endpoint it met first; map it to our client/server.
            let node0IsClient = stream.nodes[0] == consumer.connection.client.description
            #expect(node0IsClient || stream.nodes[0] == consumer.connection.server.description,
                    "stream \(stream.index): \(stream.nodes) vs \(consumer.connection.client) / \(consumer.connection.server)")
            let fromNode0: FlowDirection = node0IsClient ? .clientToServer : .serverToClient
            #expect(consumer.counts[fromNode0.rawValue] == stream.counts[0], "stream \(stream.index) node 0 bytes")
            #expect(consumer.counts[fromNode0.reversed.rawValue] == stream.counts[1], "stream \(stream.index) node 1 bytes")
            #expect(consumer.digest(fromNode0) == stream.digests[0], "stream \(stream.index) node 0 digest")
            #expect(consumer.digest(fromNode0.reversed) == stream.digests[1], "stream \(stream.index) node 1 digest")
            #expect(consumer.missing == 0)
            #expect(consumer.closeReason != nil)
        }
    }
}
