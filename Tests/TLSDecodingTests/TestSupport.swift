import CaptureIO
import PacketDecoding
import Reassembly
@testable import TLSDecoding

/// Bytes from hex text in the RFCs' spaced style.
func hex(_ text: String) -> [UInt8] {
    bytesFromHex(text) ?? []
}

/// An inner consumer that keeps everything it is given.
final class RecordingConsumer: StreamConsumer {
    var bytes: [[UInt8]] = [[], []]
    var times: [[Timestamp]] = [[], []]
    var gaps: [(FlowDirection, Int)] = []
    var finishedDirections: [FlowDirection] = []
    var closeReason: CloseReason?

    func receive(_ chunk: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        bytes[direction.rawValue] += chunk
        times[direction.rawValue].append(time)
    }
    func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) { gaps.append((direction, count)) }
    func finished(direction: FlowDirection, at time: Timestamp) { finishedDirections.append(direction) }
    func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) { closeReason = reason }
}

func testConnection(index: Int = 0) -> ConnectionInfo {
    ConnectionInfo(index: index,
                   client: Endpoint(address: IPAddress(ipv4: 0x7f00_0001), port: 40000),
                   server: Endpoint(address: IPAddress(ipv4: 0x7f00_0001), port: 443),
                   firstSeen: .zero, sawHandshake: true)
}

extension TLSConnectionDecoder {
    func feed(_ bytes: [UInt8], _ direction: FlowDirection, at time: Timestamp = .zero) {
        bytes.withUnsafeBytes { receive($0, direction: direction, at: time) }
    }
}

