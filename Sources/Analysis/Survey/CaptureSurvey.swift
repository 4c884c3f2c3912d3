import Timeline
import CaptureIO
import PacketDecoding
import Reassembly

/// Reads one capture file end to end for `glancetrace info`: capinfos' facts plus the TCP
/// connections per watched port. Decodes down to TCP only; no stream is followed.
///
/// A large classic pcap file is read by two threads (`CaptureSurvey+Ranges`): reading the
/// bytes is most of the work, and one thread's copies cannot keep up with the disk cache.
package struct CaptureSurvey {
    /// Server ports whose connections are counted per port.
    package var watchedPorts: Set<UInt16>
    /// Which reader opens the files (`--reader`).
    package var readerKind: CaptureReaderKind
    /// Files smaller than this are read by one thread (tests lower it to split small fixtures).
    package var parallelThreshold = 64 << 20
    /// Length of the chunks the two threads share (`RangeHandoff`). The logs of the chunks in
    /// flight are memory the kernel hands over page by page: 16 MB chunks took 4,400 page
    /// faults a run on the API capture, 4 MB ones 1,340.
    package var chunkBytes = 4 << 20
    /// Chunks the other thread may walk ahead of the walking thread (bounds the logged segments).
    package var maxChunksAhead = 4
    /// Segments the other thread logs at most per chunk (48 bytes each): bounds memory (a chunk
    /// of the benchmarks' captures holds 4,000 to 13,000).
    package var maxLoggedSegments = 64 << 10

    /// Tests: the walking thread meets the other thread at every chunk (`RangeHandoff.meetsOther`).
    package var meetsOtherThread = false

    /// Told how each range of the other thread ended (tests check that splits happened).
    package var rangeLog: RangeLog?

    package init(watchedPorts: Set<UInt16>, readerKind: CaptureReaderKind) {
        self.watchedPorts = watchedPorts
        self.readerKind = readerKind
    }

    /// Surveys `path`; `progress` is called now and then with (bytes consumed, file size).
    package func run(path: String, progress: ((Int, Int) -> Void)? = nil) throws(CaptureError) -> CaptureSummary {
        if readerKind == .native, path != CaptureInput.standardInput, let summary = try runInRanges(path: path, progress: progress) {
            return summary
        }
        return try runSequentially(path: path, progress: progress)
    }

    /// One thread, one reader, from the first record to the last.
    package func runSequentially(path: String, progress: ((Int, Int) -> Void)? = nil) throws(CaptureError) -> CaptureSummary {
        let reader = try openCapture(path: path, reader: readerKind)
        var summary = CaptureSummary(info: reader.info)
        summary.fileSize = reader.fileSize
        let decoder = PacketDecoder()
        let counter = ConnectionCounter(watchedPorts: watchedPorts)
        var lastTime = Timestamp.zero
        while let record = try reader.next() {
            summary.add(record)
            lastTime = record.timestamp
            if case .tcp(let segment) = decoder.decode(record) {
                counter.reassembler.process(segment, at: record.timestamp)
            }
            if summary.packets & 0xffff == 0 { progress?(reader.bytesConsumed, reader.fileSize) }
        }
        counter.reassembler.finish(at: lastTime)
        summary.warning = reader.warning
        summary.interfaceStatistics = reader.interfaceStatistics
        summary.linkTypes = mergedLinkTypes(summary.linkTypes, reader.linkTypes)
        summary.connectionsByPort = counter.connectionsByPort
        return summary
    }

    func mergedLinkTypes(_ seen: [LinkType], _ declared: [LinkType]) -> [LinkType] {
        var out = seen
        for t in declared where !out.contains(t) { out.append(t) }
        return out
    }
}

/// A reassembler that only counts connections per watched server port (nobody follows them).
final class ConnectionCounter {
    private final class Counts {
        var byPort: [UInt16: Int] = [:]
    }

    private let counts = Counts()
    let reassembler: TCPReassembler
    var connectionsByPort: [UInt16: Int] { counts.byPort }

    init(watchedPorts: Set<UInt16>) {
        var configuration = TCPReassembler.Configuration()
        configuration.watchedPorts = watchedPorts
        let counts = counts
        reassembler = TCPReassembler(configuration: configuration) { connection, _, _ in
            if watchedPorts.contains(connection.server.port) { counts.byPort[connection.server.port, default: 0] += 1 }
            return nil
        }
    }
}

/// How the other thread's ranges of a survey ended: merged, or thrown away because the
/// walk did not land on their first record (or no record boundary was found).
package final class RangeLog: @unchecked Sendable {
    package var merged = 0
    package var discarded = 0
    /// Records of the merged ranges: what the other thread walked that counted.
    package var mergedRecords = 0
    /// The chunked walk ran (it returns to the one-thread walk for files it cannot split).
    package var ranInChunks = false
    /// Merged ranges that stopped inside their chunk (a cede, or the segment cap), whose
    /// chunk the walking thread finished.
    package var partial = 0
    package init() {}
}
