import CaptureIO
import PacketDecoding
import TestSupport
import Testing
@testable import Reassembly

/// Random segments (any flags, sequence numbers near each other or anywhere, cut payloads,
/// a few 4-tuples) never trap, and every buffer is released at the end.
@Suite struct ReassemblerFuzzTests {
    @Test(arguments: 0..<20)
    func randomSegmentsNeverTrap(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed) &+ 77)
        var configuration = TCPReassembler.Configuration()
        configuration.maxBufferedBytesPerConnection = 20_000
        configuration.maxBufferedBytesTotal = 50_000
        configuration.idleTimeoutNanoseconds = 1_000_000
        configuration.acknowledgedHoleDelayNanoseconds = Int64(seed % 3) * 1_000
        let h = Harness(configuration: configuration, recordsEvents: false)
        let endpoints = (0..<4).map { Endpoint(address: IPAddress(ipv4: UInt32($0)), port: UInt16(1000 + $0)) }
        let base = UInt32.random(in: 0...UInt32.max, using: &generator)
        var time: Int64 = 0
        for _ in 0..<3_000 {
            let source = endpoints.randomElement(using: &generator) ?? endpoints[0]
            let destination = endpoints.randomElement(using: &generator) ?? endpoints[1]
            let seq = Bool.random(using: &generator)
                ? base &+ UInt32.random(in: 0...30_000, using: &generator)
                : UInt32.random(in: 0...UInt32.max, using: &generator)
            let length = Int.random(in: 0...2_000, using: &generator)
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: length), count: length)
            h.follow = Int.random(in: 0..<4, using: &generator) != 0
            time += Int64.random(in: -1_000...200_000, using: &generator)
            h.send(from: source, to: destination, seq: seq, ack: base &+ UInt32.random(in: 0...30_000, using: &generator),
                   flags: TCPFlags(rawValue: UInt16.random(in: 0...0x1FF, using: &generator)),
                   payload: payload, captured: Int.random(in: 0...length, using: &generator),
                   window: UInt16.random(in: 0...3, using: &generator), at: time)
            #expect(h.reassembler.bufferedBytes >= 0)
            #expect(h.reassembler.bufferedBytes <= configuration.maxBufferedBytesTotal + 2_100)
        }
        h.reassembler.finish(at: Timestamp(nanoseconds: time))
        #expect(h.reassembler.bufferedBytes == 0)
        #expect(h.reassembler.openConnections == 0)
        for stream in h.streams { #expect(stream.closeReason != nil) }
    }
}
