import CaptureIO
import Reassembly
import TLSDecoding
import TLSInference

/// Builds the record-layer events of one connection, as `TLSConnectionDecoder` reports them,
/// with times in microseconds from 0, and runs them through a `TLSExchangeInference`.
struct RecordScript {
    var events: [TLSRecordLayerEvent] = []
    var protection: TLSRecordProtection
    /// Microseconds.
    var now: Int64 = 0

    static let aes256GCM13 = TLSRecordProtection.tls13(tagLength: 16, hashLength: 48)
    static let aes128GCM12 = TLSRecordProtection.tls12AEAD(nonceLength: 8, tagLength: 16)

    init(_ protection: TLSRecordProtection) { self.protection = protection }

    static func time(_ micros: Int64) -> Timestamp { Timestamp(nanoseconds: micros * 1000) }

    /// Moves the clock on.
    mutating func wait(_ micros: Int64) { now += micros }

    mutating func record(_ direction: FlowDirection, type: UInt8, length: Int, protected: Bool = true) {
        events.append(.record(TLSRecordSighting(direction: direction, time: Self.time(now), contentType: type, length: length,
                                                protection: protected ? protection : .none)))
        now += 10
    }

    /// Record body length for `plaintext` bytes under this script's protection (AEAD only).
    func length(_ plaintext: Int) -> Int {
        switch protection {
        case .tls13(let tag, _): return plaintext + tag + 1
        case .tls12AEAD(let nonce, let tag): return plaintext + nonce + tag
        default: return plaintext
        }
    }

    /// ClientHello, ServerHello and the rest of the handshake; TLS 1.3 puts `tickets` session
    /// tickets of 250 bytes right after the client's Finished.
    mutating func handshake(tickets: Int = 2) {
        record(.clientToServer, type: 22, length: 512, protected: false)
        wait(200)
        record(.serverToClient, type: 22, length: 122, protected: false)
        switch protection {
        case .tls13(_, let hash):
            record(.serverToClient, type: 20, length: 1, protected: false)
            for size in [38, 925, 281, 4 + hash] { record(.serverToClient, type: 23, length: length(size)) }
            wait(300)
            record(.clientToServer, type: 20, length: 1, protected: false)
            record(.clientToServer, type: 23, length: length(4 + hash))
            wait(50)
            for _ in 0..<tickets { record(.serverToClient, type: 23, length: length(250)) }
        default:
            record(.serverToClient, type: 22, length: 925, protected: false)
            record(.serverToClient, type: 22, length: 300, protected: false)
            wait(300)
            record(.clientToServer, type: 22, length: 70, protected: false)
            record(.clientToServer, type: 20, length: 1, protected: false)
            record(.clientToServer, type: 22, length: 40)
            wait(300)
            record(.serverToClient, type: 20, length: 1, protected: false)
            record(.serverToClient, type: 22, length: 40)
        }
        wait(200)
    }

    /// `sizes` are plaintext bytes per record.
    mutating func send(_ direction: FlowDirection, _ sizes: [Int]) {
        for size in sizes { record(direction, type: 23, length: length(size)) }
    }

    mutating func alert(_ direction: FlowDirection) {
        if case .tls13 = protection { record(direction, type: 23, length: length(2)) } else { record(direction, type: 21, length: length(2)) }
    }

    mutating func close(_ reason: CloseReason = .fin) {
        events.append(.closed(reason, at: Self.time(now)))
    }

    func run(_ configuration: TLSExchangeInference.Configuration = .init()) -> (exchanges: [InferredExchange], inference: TLSExchangeInference) {
        var inference = TLSExchangeInference(configuration: configuration)
        var out: [InferredExchange] = []
        for event in events { out += inference.consume(event) }
        return (out, inference)
    }
}
