import CaptureIO
import Reassembly
import Testing
@testable import Analysis
@testable import Timeline

/// A client whose first bytes name no protocol, on a port not watched: the server's first bytes
/// decide, and the held client bytes reach the chosen decoder first, in order, with their positions.
struct DeferredSniffTests {
    final class Recorder: StreamConsumer {
        var log: [String] = []
        func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
            log.append("\(direction == .clientToServer ? "c" : "s") \(String(decoding: bytes, as: UTF8.self)) -")
        }
        func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition) {
            log.append("\(direction == .clientToServer ? "c" : "s") \(String(decoding: bytes, as: UTF8.self)) @\(position.offset)")
        }
        func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) { log.append("gap \(count)") }
        func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) { log.append("close") }
    }

    func send(_ sniff: DeferredSniff, _ text: String, _ direction: FlowDirection, at offset: Int) {
        Array(text.utf8).withUnsafeBytes { sniff.receive($0, direction: direction, at: .zero, position: StreamPosition(offset: offset)) }
    }

    @Test func theServersFirstBytesDecideAndTheClientsAreReplayed() {
        let recorder = Recorder()
        var asked: [String] = []
        let sniff = DeferredSniff { bytes in
            asked.append(String(decoding: bytes, as: UTF8.self))
            return recorder
        }
        send(sniff, "\u{1}\u{2}GET /", .clientToServer, at: 0)
        sniff.gap(3, direction: .clientToServer, at: .zero)
        send(sniff, "txt HTTP/1.1\r\n\r\n", .clientToServer, at: 10)
        send(sniff, "HTTP/1.1 200 OK\r\n", .serverToClient, at: 0)
        send(sniff, "more", .clientToServer, at: 26)
        sniff.close(reason: .fin, statistics: ConnectionStatistics(), at: .zero)
        #expect(asked == ["HTTP/1.1 200 OK\r\n"])
        #expect(recorder.log == ["c \u{1}\u{2}GET / @0", "gap 3", "c txt HTTP/1.1\r\n\r\n @10", "s HTTP/1.1 200 OK\r\n @0", "c more @26", "close"])
    }

    @Test func itGivesUpPastItsLimitOrWhenTheServerSaysNothingEither() {
        var asked = 0
        let quiet = DeferredSniff { _ in asked += 1; return nil }
        send(quiet, "hello", .clientToServer, at: 0)
        send(quiet, "SSH-2.0-x", .serverToClient, at: 0)
        send(quiet, "later", .serverToClient, at: 9)
        #expect(asked == 1)

        let recorder = Recorder()
        let talkative = DeferredSniff { _ in recorder }
        send(talkative, String(repeating: "x", count: DeferredSniff.limit + 1), .clientToServer, at: 0)
        send(talkative, "HTTP/1.1 200 OK\r\n", .serverToClient, at: 0)
        #expect(recorder.log.isEmpty)
    }
}
