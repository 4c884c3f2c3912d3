import CaptureIO
import PacketDecoding
#if canImport(Glibc)
import Glibc
#endif

/// Splits one capture into pieces like `editcap -c` / `-i`, optionally selecting packets
/// (time range, ports, BPF), keeping TCP connections whole, and slimming bulk HTTP bodies.
///
/// Streams in constant memory: one record at a time from the reader, one buffered writer open.
/// Each piece is written under a temporary name and renamed when complete, so a failure
/// (disk full) leaves the pieces before it valid and no partial file behind.
///
/// Packets are selected first, then split, so `-c` counts kept packets. (editcap 4.0 decides
/// the split before applying `-A`/`-B`, which can leave empty pieces; with no selection
/// options the pieces are byte-identical to editcap's.)
///
/// Throws `CaptureError` (input unreadable, `.writeFailed` naming the piece) or `SplitError`.
package final class CaptureSplitter {
    package let configuration: SplitConfiguration

    package init(configuration: SplitConfiguration) {
        self.configuration = configuration
    }

    /// Splits `input` into pieces named after `output` (see `PieceNaming`).
    /// `progress` gets (bytes read, file size) every few thousand packets.
    package func split(input: String, output: String, progress: ((Int, Int) -> Void)? = nil) throws -> SplitSummary {
        let reader = try openCapture(path: input, reader: configuration.readerKind)
        var run = try SplitRun(configuration: configuration, reader: reader, output: output)
        try run.readAll(progress: progress)
        return run.summary
    }
}

/// The state of one split while it runs.
struct SplitRun {
    let configuration: SplitConfiguration
    let reader: any CaptureReader
    let naming: PieceNaming
    let output: String
    let format: CaptureOutputFormat
    let filter: PacketFilter?
    let connectionCut: ConnectionCut?
    let slimming: HTTPSlimming?
    var summary = SplitSummary()
    /// Decodes packets for `--port`, `--by-connection` and `--slim` (the pipeline's decoder).
    let packetDecoder = PacketDecoder()
    var piece: (any CaptureWriter)?
    /// The same writer as `piece` when it is pcapng (no dynamic cast per packet).
    var pcapngPiece: PcapngFileWriter?
    var pieceIndex = 0
    var intervalEnd: Timestamp?
    var pcapLinkType: LinkType?
    /// Records in the current piece (the writer counts them only once verbatim ranges land).
    var pieceRecords = 0
    /// pcap to pcap with nothing to select or rewrite: each piece is the header plus a
    /// contiguous byte range of the input, copied by the kernel (`VerbatimSource`).
    let verbatim: VerbatimSource?
    /// The current piece's byte range in the input, for the verbatim copy.
    var rangeStart = 0
    var rangeEnd = 0
    /// Copies verbatim pieces while the next ones are read.
    let copier = PieceCopier()

    init(configuration: SplitConfiguration, reader: any CaptureReader, output: String) throws {
        self.configuration = configuration
        self.reader = reader
        self.output = output
        naming = PieceNaming(output: output)
        format = configuration.outputFormat ?? (reader.info.format == .pcapng ? .pcapng : .pcap)
        if let expression = configuration.filter {
            filter = try PacketFilter(expression: expression, linkType: reader.info.linkType ?? .ethernet,
                                      snapLength: reader.info.snapLength)
        } else {
            filter = nil
        }
        if configuration.byConnection, case .packets(let count) = configuration.boundary {
            connectionCut = ConnectionCut(packetsPerPiece: count, cap: configuration.connectionCap)
        } else {
            connectionCut = nil
        }
        slimming = configuration.slim ? HTTPSlimming(bulkRequest: configuration.bulkRequest) : nil
        let selects = configuration.start != nil || configuration.stop != nil || !configuration.ports.isEmpty
            || configuration.filter != nil || configuration.byConnection || configuration.slim
        verbatim = selects || format != .pcap ? nil : VerbatimSource(reader: reader)
    }

    mutating func readAll(progress: ((Int, Int) -> Void)?) throws {
        let needsPeek = !configuration.ports.isEmpty || connectionCut != nil || slimming != nil
        do {
            while let record = try reader.next() {
                summary.packetsRead += 1
                summary.capturedBytesRead += record.bytes.count
                if summary.packetsRead & 0xfff == 0 { progress?(reader.bytesConsumed, reader.fileSize) }
                if let start = configuration.start, record.timestamp < start { continue }
                if let stop = configuration.stop, !(record.timestamp < stop) { continue }
                let peek = needsPeek ? TransportPeek.peek(record, decoder: packetDecoder) : nil
                if !configuration.ports.isEmpty {
                    guard let peek, configuration.ports.contains(peek.source.port)
                        || configuration.ports.contains(peek.destination.port) else { continue }
                }
                if let filter, try !filter.matches(record) { continue }
                try startPieceIfNeeded(for: record)
                if verbatim != nil {
                    if pieceRecords == 0 { rangeStart = record.fileOffset }
                    rangeEnd = record.fileOffset &+ VerbatimSource.recordHeaderLength &+ record.bytes.count
                    pieceRecords += 1
                    summary.packetsWritten += 1
                    summary.capturedBytesWritten += record.bytes.count
                    continue
                }
                if let peek { connectionCut?.observe(peek, at: record.timestamp) }
                var kept = record.bytes
                if let slimming, let peek {
                    let length = slimming.keptLength(record: record, peek: peek)
                    kept = UnsafeRawBufferPointer(rebasing: record.bytes.prefix(length))
                }
                try write(record, kept)
            }
            summary.warning = reader.warning
            progress?(reader.bytesConsumed, reader.fileSize)
            try closePiece(cut: nil)
            try copier.finish()
            if pieceIndex == 0 { try writeEmptyOutput() }
        } catch {
            piece?.abandon()
            piece = nil
            pcapngPiece = nil
            // Pieces already queued are finished (or abandoned after a failure) before we return.
            try? copier.finish()
            throw error
        }
    }

    /// Ends the current piece where the boundary says so and opens the one `record` goes to.
    private mutating func startPieceIfNeeded(for record: CaptureRecord) throws {
        let time = record.timestamp
        switch configuration.boundary {
        case .packets(let count):
            if let current = piece {
                if let connectionCut {
                    if let kind = connectionCut.cut(afterPackets: pieceRecords) {
                        if kind != .clean {
                            summary.notes.append("\(current.path): ended \(kind.rawValue) with \(connectionCut.openConnections) connection(s) open")
                        }
                        try closePiece(cut: kind)
                    }
                } else if pieceRecords >= count {
                    try closePiece(cut: nil)
                }
            }
        case .interval(let nanoseconds):
            guard let end = intervalEnd else {
                intervalEnd = time.adding(nanoseconds: nanoseconds)
                break
            }
            var next = end
            var empty = 0
            // editcap's loop: every interval passed without a packet still gets its piece,
            // named after the packet that ends the gap.
            while time > next {
                try closePiece(cut: nil)
                try openPiece(time: time, linkType: record.linkType)
                next = next.adding(nanoseconds: nanoseconds)
                empty += 1
                if empty > 100_000 {
                    throw SplitError("-i: more than 100000 empty intervals in a row before the packet at \(time.rfc3339(precision: .nanoseconds)); choose a longer interval")
                }
            }
            intervalEnd = next
        }
        if piece == nil { try openPiece(time: time, linkType: record.linkType) }
    }

    private mutating func openPiece(time: Timestamp, linkType: LinkType) throws {
        let path = naming.name(index: pieceIndex, firstPacketTime: time)
        let writer = try makeWriter(path: path, linkType: linkType)
        piece = writer
        pcapngPiece = writer as? PcapngFileWriter
        pieceIndex += 1
    }

    private mutating func makeWriter(path: String, linkType: LinkType) throws -> any CaptureWriter {
        switch format {
        case .pcapng:
            return try PcapngFileWriter(path: path, interfaces: reader.interfaces, secrets: reader.secrets,
                                        bufferSize: configuration.bufferSize)
        case .pcap:
            let type = pcapLinkType ?? reader.info.linkType ?? linkType
            pcapLinkType = type
            return try PcapFileWriter(path: path, linkType: type, snapLength: reader.info.snapLength,
                                      precision: pcapPrecision, bufferSize: configuration.bufferSize)
        }
    }

    /// pcap keeps a pcap input's precision; from pcapng, nanoseconds only when an interface
    /// records finer than microseconds (editcap would truncate them to microseconds).
    private var pcapPrecision: TimestampPrecision {
        if reader.info.format == .pcap { return reader.info.precision }
        return reader.interfaces.contains { $0.timestampUnitsPerSecond > 1_000_000 } ? .nanoseconds : .microseconds
    }

    private mutating func write(_ record: CaptureRecord, _ bytes: UnsafeRawBufferPointer) throws {
        guard let piece else { return }
        if let pcapng = pcapngPiece {
            // The reader may meet new interfaces or secrets mid-file: describe them before use.
            if pcapng.interfaces.count < reader.interfaces.count { try pcapng.add(interfaces: reader.interfaces) }
            if pcapng.secretsCount < reader.secrets.count { try pcapng.add(secrets: reader.secrets) }
        } else if let pcapLinkType, record.linkType != pcapLinkType {
            throw SplitError("\(reader.info.path): packet \(summary.packetsRead) has link type \(record.linkType), but pcap output holds only \(pcapLinkType); use -F pcapng")
        }
        try piece.write(record, bytes: bytes, originalLength: record.originalLength)
        pieceRecords += 1
        summary.packetsWritten += 1
        summary.capturedBytesWritten += bytes.count
    }

    private mutating func closePiece(cut: ConnectionCut.Kind?) throws {
        guard let current = piece else { return }
        piece = nil
        pcapngPiece = nil
        if let verbatim, let pcap = current as? PcapFileWriter, pieceRecords > 0 {
            let count = rangeEnd - rangeStart
            summary.pieces.append(SplitPiece(path: current.path, packets: pieceRecords,
                                             bytes: current.bytesWritten + count, cut: cut))
            try copier.copy(pcap, records: pieceRecords, from: verbatim.descriptor, offset: rangeStart, count: count)
            pieceRecords = 0
            return
        }
        pieceRecords = 0
        try current.finish()
        summary.pieces.append(SplitPiece(path: current.path, packets: current.recordCount,
                                         bytes: current.bytesWritten, cut: cut))
    }

    /// No packet selected: editcap still writes one empty file, under OUT itself.
    private mutating func writeEmptyOutput() throws {
        let writer = try makeWriter(path: output, linkType: reader.info.linkType ?? .ethernet)
        try writer.finish()
        summary.pieces.append(SplitPiece(path: output, packets: 0, bytes: 0, cut: nil))
        summary.notes.append("no packet selected: wrote an empty \(output)")
    }
}

/// The input file, opened for the kernel to copy from, when its pcap records can go to the
/// pieces byte for byte: native reader over an uncompressed pcap in host byte order with the
/// standard 16-byte record header (not the "modified" format), which is exactly what
/// `PcapFileWriter` would write for each record.
final class VerbatimSource {
    static let recordHeaderLength = 16
    let descriptor: Int32

    init?(reader: any CaptureReader) {
        let info = reader.info
        let hostOrder: ByteOrder = 1.littleEndian == 1 ? .littleEndian : .bigEndian
        guard reader is NativeCaptureReader, info.format == .pcap, !info.compressed, info.byteOrder == hostOrder else {
            return nil
        }
        let descriptor = open(info.path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        var magic: UInt32 = 0
        guard pread(descriptor, &magic, 4, 0) == 4, magic == 0xa1b2_c3d4 || magic == 0xa1b2_3c4d else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
