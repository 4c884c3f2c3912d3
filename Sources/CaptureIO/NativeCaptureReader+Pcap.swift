// Classic pcap (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html): a 24-byte file
// header, then records of a 16-byte header and the captured bytes.

extension NativeCaptureReader {
    func readPcapFileHeader(magic: UInt32) throws(CaptureError) {
        let path = info.path
        guard let h = try view(0, 24) else {
            throw CaptureError(.notACapture, path: path, offset: 0,
                               "has a pcap magic but is too short for a pcap file header (24 bytes)")
        }
        // The magic read big-endian: the writer's byte order is big-endian exactly when it reads
        // as written.
        let bigEndianFile = magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D || magic == 0xA1B2_CD34
        let hostBigEndian = 1.bigEndian == 1
        swapped = bigEndianFile != hostBigEndian
        let nanoseconds = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
        // 0xa1b2cd34 is Alexey Kuznetsov's "modified" pcap: 8 more bytes per record header
        // (ifindex, protocol, packet type), which libpcap and Wireshark still read.
        pcapRecordHeaderLength = (magic == 0xA1B2_CD34 || magic == 0x34CD_B2A1) ? 24 : 16
        pcapFractionScale = nanoseconds ? 1 : 1000
        let major = load16(h, 4), minor = load16(h, 6)
        guard major == 2 else {
            throw CaptureError(.notACapture, path: path, offset: 4,
                               "is a pcap file of version \(major).\(minor), which is not supported (only 2.x is)")
        }
        let snapLength = Int(load32(h, 16))
        // The top 6 bits of the link type field carry FCS information, not the link type.
        pcapLinkType = LinkType(rawValue: load32(h, 20) & 0x03FF_FFFF)
        linkTypes = [pcapLinkType]
        interfaces = [CaptureInterface(linkType: pcapLinkType, snapLength: snapLength,
                                       timestampUnitsPerSecond: nanoseconds ? 1_000_000_000 : 1_000_000)]
        info.format = .pcap
        format = .pcap
        info.byteOrder = bigEndianFile ? .bigEndian : .littleEndian
        info.precision = nanoseconds ? .nanoseconds : .microseconds
        info.snapLength = snapLength
        info.linkType = pcapLinkType
        cursor = 24
    }

    @inline(__always)
    func nextPcapRecord() throws(CaptureError) -> CaptureRecord? {
        let start = cursor
        let headerLength = pcapRecordHeaderLength
        guard let h = try view(start, headerLength) else {
            return endOfData(recordAt: start, needed: headerLength, what: "packet record header")
        }
        let header = PcapRecordHeader(h, swapped: swapped)
        let capturedLength = header.capturedLength
        guard capturedLength <= limits.maxRecordLength else {
            return stop(at: start, PcapRecordHeader.tooLong(capturedLength, limit: limits.maxRecordLength))
        }
        let dataStart = start &+ headerLength
        guard let data = try view(dataStart, capturedLength) else {
            return endOfData(recordAt: start, needed: headerLength &+ capturedLength, what: "packet record")
        }
        cursor = dataStart &+ capturedLength
        return header.record(bytes: data, fractionScale: pcapFractionScale, linkType: pcapLinkType, at: start)
    }
}
