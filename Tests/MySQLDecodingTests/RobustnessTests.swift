import CaptureIO
import Reassembly
import TestSupport
import Testing
@testable import MySQLDecoding

/// Gaps, damaged input and secrets.
struct RobustnessTests {
    @Test func clientGapMarksTheCommandAndResynchronises() throws {
        let fixture = try StreamFixture(named: "text.chunks.gz")
        let lost = try #require(fixture.eventIndex(containing: "SELECT COUNT(*) AS n", direction: .clientToServer))
        let baseline = fixture.replay().records
        let records = fixture.replay(gaps: [lost]).records
        #expect(!records.contains { $0.statement.hasPrefix("SELECT COUNT(*)") })
        // Every later command is decoded exactly as without the gap.
        let later = baseline.drop { !$0.statement.hasPrefix("SELECT REPEAT") }
        #expect(!later.isEmpty)
        #expect(Array(records.suffix(later.count)) == Array(later))
    }

    @Test func serverGapMarksTheCommandIncomplete() throws {
        let fixture = try StreamFixture(named: "text.chunks.gz")
        let lost = try #require(fixture.eventIndex(containing: "first_set", direction: .serverToClient))
        let baseline = fixture.replay().records
        let records = fixture.replay(gaps: [lost]).records
        let call = try #require(records.first { $0.statement == "CALL two_sets()" })
        #expect(!call.isComplete && call.notes.contains { $0.contains("gap") })
        let later = baseline.drop { !$0.statement.hasPrefix("SELECT * FROM no_such_table") }
        #expect(Array(records.suffix(later.count)) == Array(later))
    }

    @Test(arguments: ["compressed", "compressed-zstd"])
    func gapInTheMiddleOfACompressedStream(scenario: String) throws {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        let lost = try #require(fixture.eventIndex(containing: "no_such_table", direction: .clientToServer) ??
            fixture.events.indices.dropFirst(fixture.events.count / 2).first)
        let records = fixture.replay(gaps: [lost]).records
        #expect(records.count > 3)
        #expect(records.last?.command == .quit)
    }

    @Test func closeFlushesPendingCommandsAsIncomplete() throws {
        let fixture = try StreamFixture(named: "text.chunks.gz")
        let cut = try #require(fixture.eventIndex(containing: "seq_1_to_250", direction: .clientToServer))
        var trimmed = fixture
        trimmed.events = Array(fixture.events.prefix(cut + 1)) + [.close(stream: 0, time: Timestamp(nanoseconds: 1))]
        let records = trimmed.replay().records
        let last = try #require(records.last)
        #expect(last.statement == "SELECT seq FROM seq_1_to_250" && !last.isComplete && last.end == nil)
    }

    /// Mutated streams: no trap, bounded output.
    @Test(arguments: ["prepared", "text", "compressed", "compressed-zstd", "cli", "deprecate_eof", "tls/tls13.plaintext"],
           [UInt64(11), 12, 13, 14])
    func mutatedStreamsNeverTrap(scenario: String, seed: UInt64) throws {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        let (records, decoders) = fixture.replay(split: .random(seed: seed), mutate: { bytes, rng in
            guard !bytes.isEmpty else { return }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[i] = [0x00, 0xfe, 0xff, 0xfb][Int.random(in: 0..<4, using: &rng)]
                case 2: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...20, using: &rng)))
                default: bytes.insert(contentsOf: [0xff, 0xff, 0xff, 0x00], at: i)
                }
                if bytes.isEmpty { return }
            }
        }, seed: seed)
        #expect(records.count < 10_000)
        for decoder in decoders.values {
            #expect(decoder.pending.count <= MySQLConnectionDecoder.maxPending)
            #expect(decoder.prepared.count <= MySQLConnectionDecoder.maxPreparedStatements)
        }
    }

    @Test(arguments: [UInt64(21), 22, 23, 24, 25])
    func randomBytesNeverTrap(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for sawHandshake in [true, false] {
            let info = ConnectionInfo(index: 0, client: .init(address: .init(ipv4: 1), port: 1),
                                      server: .init(address: .init(ipv4: 2), port: 3306), firstSeen: .zero,
                                      sawHandshake: sawHandshake)
            var count = 0
            let decoder = MySQLConnectionDecoder(connection: info) { _ in count += 1 }
            for step in 0..<400 {
                let n = Int.random(in: 0...200, using: &rng)
                var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if step % 7 == 0, bytes.count > 4 { bytes[3] = 0 }
                let direction: FlowDirection = Bool.random(using: &rng) ? .clientToServer : .serverToClient
                bytes.withUnsafeBytes { decoder.receive($0, direction: direction, at: Timestamp(nanoseconds: Int64(step))) }
                if step % 50 == 49 { decoder.gap(Int.random(in: 1...1000, using: &rng), direction: direction, at: .zero) }
            }
            decoder.close(reason: .reset, statistics: ConnectionStatistics(), at: .zero)
            #expect(count < 100_000)
            #expect(decoder.client.framer.storage.capacity <= 1 << 21)
        }
    }

    /// Neither the server's scramble nor the client's auth response reach any record or fact.
    @Test(arguments: ["prepared", "text", "compressed", "cli", "deprecate_eof", "a-seed"])
    func authDataIsNeverKept(scenario: String) throws {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        let (records, decoders) = fixture.replay()
        var secrets: [[UInt8]] = []
        for case let .data(_, direction, _, bytes) in fixture.events where bytes.count > 40 {
            // Greeting: scramble part 1 after version NUL and thread id; response: after the user.
            if direction == .serverToClient, bytes[4] == 10, let nul = bytes[5...].firstIndex(of: 0), nul + 13 < bytes.count {
                secrets.append(Array(bytes[(nul + 5)..<(nul + 13)]))
            }
            if direction == .clientToServer, bytes[3] == 1, bytes.count > 40, let nul = bytes[36...].firstIndex(of: 0),
               nul + 2 < bytes.count {
                let n = Int(bytes[nul + 1])
                if n >= 8, nul + 2 + n <= bytes.count { secrets.append(Array(bytes[(nul + 2)..<(nul + 2 + n)])) }
            }
        }
        if scenario != "a-seed" { #expect(secrets.count >= 2) }
        var texts: [String] = []
        for r in records {
            texts.append(r.statement)
            texts.append(contentsOf: r.notes + r.parameters)
            texts.append(r.result.info ?? "")
            texts.append(r.result.message ?? "")
            for set in r.result.resultSets { for row in set.rows { texts.append(contentsOf: row.values.compactMap { $0 }) } }
        }
        for d in decoders.values {
            texts.append(String(describing: d.facts))
        }
        let haystack = texts.joined(separator: "\u{1}")
        for secret in secrets {
            let hex = secret.map { String($0, radix: 16) }.joined()
            #expect(!haystack.contains(String(decoding: secret, as: UTF8.self)))
            #expect(!haystack.contains(hex))
        }
        #expect(!haystack.contains("gt-secret-pw") && !haystack.contains("gt-ed-pw"))
    }
}
