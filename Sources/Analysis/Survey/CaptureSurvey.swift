import Timeline
import CaptureIO
import PacketDecoding
import Reassembly

/// Reads one capture file end to end for `glancetrace info`: capinfos' facts plus the TCP
/// connections per watched port. Decodes down to TCP only; no stream is followed.
package struct CaptureSurvey {
    /// Server ports whose connections are counted per port.
    package var watchedPorts: Set<UInt16>
    /// Which reader opens the files (`--reader`).
    package var readerKind: CaptureReaderKind

    package init(watchedPorts: Set<UInt16>, readerKind: CaptureReaderKind) {
        self.watchedPorts = watchedPorts
        self.readerKind = readerKind
    }

    /// Surveys `path`; `progress` is called now and then with (bytes consumed, file size).
    package func run(path: String, progress: ((Int, Int) -> Void)? = nil) throws(CaptureError) -> CaptureSummary {
        let reader = try openCapture(path: path, reader: readerKind)
        var summary = CaptureSummary(info: reader.info)
        summary.fileSize = reader.fileSize
        let decoder = PacketDecoder()
        var configuration = TCPReassembler.Configuration()
        configuration.watchedPorts = watchedPorts
        var connectionsByPort: [UInt16: Int] = [:]
        let watched = watchedPorts
        let reassembler = TCPReassembler(configuration: configuration) { connection, _, _ in
            if watched.contains(connection.server.port) { connectionsByPort[connection.server.port, default: 0] += 1 }
            return nil
        }
        var lastTime = Timestamp.zero
        while let record = try reader.next() {
            summary.add(record)
            lastTime = record.timestamp
            if case .tcp(let segment) = decoder.decode(record) {
                reassembler.process(segment, at: record.timestamp)
            }
            if summary.packets & 0xffff == 0 { progress?(reader.bytesConsumed, reader.fileSize) }
        }
        reassembler.finish(at: lastTime)
        summary.warning = reader.warning
        summary.interfaceStatistics = reader.interfaceStatistics
        summary.linkTypes = mergedLinkTypes(summary.linkTypes, reader.linkTypes)
        summary.connectionsByPort = connectionsByPort
        return summary
    }

    private func mergedLinkTypes(_ seen: [LinkType], _ declared: [LinkType]) -> [LinkType] {
        var out = seen
        for t in declared where !out.contains(t) { out.append(t) }
        return out
    }
}
