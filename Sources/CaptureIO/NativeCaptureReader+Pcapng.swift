// pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html): a sequence of
// sections, each a Section Header Block that fixes the byte order, then blocks of
// type(4) total-length(4) body total-length(4).

/// pcapng block type codes this reader acts on; every other block is skipped by its length.
enum PcapngBlockType {
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let interfaceDescription: UInt32 = 1
    static let obsoletePacket: UInt32 = 2
    static let simplePacket: UInt32 = 3
    static let interfaceStatistics: UInt32 = 5
    static let enhancedPacket: UInt32 = 6
    static let decryptionSecrets: UInt32 = 0x0A
}

extension NativeCaptureReader {
    /// Reads the first SHB and, without consuming anything, looks ahead for the first interface
    /// so that `info` can tell the link type and precision before the first `next()`.
    func readFirstSectionHeader() throws(CaptureError) {
        let path = info.path
        switch try sectionHeader(at: 0) {
        case .failure(let problem):
            throw CaptureError(.notACapture, path: path, offset: 0, "has a pcapng magic but \(problem)")
        case .success(let length):
            info.format = .pcapng
            format = .pcapng
            info.byteOrder = (swapped == (1.bigEndian == 1)) ? .littleEndian : .bigEndian
            cursor = length
            startSection()
        }
        try peekFirstInterface()
    }

    /// Validates the SHB at `start` and adopts its byte order; its length on success.
    private func sectionHeader(at start: Int) throws(CaptureError) -> Result<Int, SectionProblem> {
        guard let head = try view(start, 12) else { return .failure(.short) }
        let order = head.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        switch order {
        case 0x1A2B_3C4D: swapped = false
        case 0x4D3C_2B1A: swapped = true
        default: return .failure(.byteOrder)
        }
        let length = Int(load32(head, 4))
        guard length >= 28, length % 4 == 0, length <= limits.maxBlockLength else { return .failure(.length(length)) }
        guard let block = try view(start, length) else { return .failure(.short) }
        guard Int(load32(block, length &- 4)) == length else { return .failure(.trailer) }
        let major = load16(block, 12)
        guard major == 1 else { return .failure(.version(major, load16(block, 14))) }
        return .success(length)
    }

    enum SectionProblem: Error, CustomStringConvertible {
        case short, byteOrder, length(Int), trailer, version(UInt16, UInt16)
        var description: String {
            switch self {
            case .short: return "its section header block is cut short"
            case .byteOrder: return "its section header has no valid byte-order magic"
            case .length(let n): return "its section header claims an impossible length of \(n) bytes"
            case .trailer: return "its section header's trailing length differs from its leading length"
            case .version(let major, let minor): return "it is pcapng version \(major).\(minor), which is not supported (only 1.x is)"
            }
        }
    }

    private func startSection() {
        sectionFirstInterface = interfaces.count
        sectionInterfaceCount = 0
        sectionCount &+= 1
    }

    private func peekFirstInterface() throws(CaptureError) {
        var offset = cursor
        // A few blocks and a bounded span: enough for any real writer, cheap for a streamed file.
        for _ in 0..<64 {
            guard offset - cursor < (1 << 20), let head = try view(offset, 8) else { return }
            let type = load32(head, 0), length = Int(load32(head, 4))
            guard length >= 12, length % 4 == 0, length <= limits.maxBlockLength else { return }
            switch type {
            case PcapngBlockType.interfaceDescription:
                guard length >= 20, let block = try view(offset, length) else { return }
                let state = interfaceState(block, length: length).state
                info.linkType = state.linkType
                info.snapLength = state.snapLength
                info.precision = state.scale.unitsPerSecond > 1_000_000 ? .nanoseconds : .microseconds
                return
            case PcapngBlockType.sectionHeader, PcapngBlockType.enhancedPacket,
                 PcapngBlockType.simplePacket, PcapngBlockType.obsoletePacket:
                return
            default:
                offset &+= length
            }
        }
    }

    func nextPcapngRecord() throws(CaptureError) -> CaptureRecord? {
        while true {
            let start = cursor
            guard let head = try view(start, 12) else {
                return endOfData(recordAt: start, needed: 12, what: "block header")
            }
            // The SHB type reads the same in both byte orders; its body says which order follows.
            if head.loadUnaligned(as: UInt32.self) == PcapngBlockType.sectionHeader {
                switch try sectionHeader(at: start) {
                case .failure(.short):
                    return endOfData(recordAt: start, needed: 28, what: "section header block")
                case .failure(let problem):
                    return stop(at: start, "a new section starts here but \(problem)")
                case .success(let length):
                    cursor = start &+ length
                    startSection()
                    continue
                }
            }
            let type = load32(head, 0)
            let length = Int(load32(head, 4))
            guard length >= 12, length % 4 == 0, length <= limits.maxBlockLength else {
                return stop(at: start, "a block (type 0x\(String(type, radix: 16))) claims an impossible length of "
                            + "\(length) bytes: the file is damaged here")
            }
            guard let block = try view(start, length) else {
                return endOfData(recordAt: start, needed: length, what: "block")
            }
            guard Int(load32(block, length &- 4)) == length else {
                return stop(at: start, "a block's trailing length differs from its leading length (\(length)): "
                            + "the file is damaged here")
            }
            cursor = start &+ length
            switch type {
            case PcapngBlockType.enhancedPacket:
                return enhancedPacket(block, length: length, at: start)
            case PcapngBlockType.simplePacket:
                return simplePacket(block, length: length, at: start)
            case PcapngBlockType.obsoletePacket:
                return obsoletePacket(block, length: length, at: start)
            case PcapngBlockType.interfaceDescription:
                if let problem = addInterface(block, length: length) { return stop(at: start, problem) }
            case PcapngBlockType.decryptionSecrets:
                if let problem = addSecrets(block, length: length) { return stop(at: start, problem) }
            case PcapngBlockType.interfaceStatistics:
                addStatistics(block, length: length)
            default:
                // NRB, custom blocks, systemd journal exports, local-use types: not ours.
                continue
            }
        }
    }

    // MARK: - Packet blocks

    @inline(__always)
    private func enhancedPacket(_ block: UnsafeRawPointer, length: Int, at start: Int) -> CaptureRecord? {
        guard length >= 32 else { return stop(at: start, "an enhanced packet block is too short (\(length) bytes)") }
        return packet(block, at: start, interface: Int(load32(block, 8)), blockLength: length, what: "an enhanced packet block")
    }

    /// The obsolete Packet Block (type 2): an EPB with a 16-bit interface id and a drop count.
    private func obsoletePacket(_ block: UnsafeRawPointer, length: Int, at start: Int) -> CaptureRecord? {
        guard length >= 32 else { return stop(at: start, "a packet block is too short (\(length) bytes)") }
        return packet(block, at: start, interface: Int(load16(block, 8)), blockLength: length, what: "a packet block")
    }

    /// EPB and PB share their layout from offset 12: timestamp (high, low), captured and original
    /// lengths, data.
    @inline(__always)
    private func packet(_ block: UnsafeRawPointer, at start: Int, interface local: Int, blockLength: Int,
                        what: String) -> CaptureRecord? {
        let sectionInterfaces = sectionInterfaceCount
        guard local < sectionInterfaces else {
            return stop(at: start, "\(what) refers to interface \(local), but its section describes "
                        + "only \(sectionInterfaces)")
        }
        let capturedLength = Int(load32(block, 20))
        guard capturedLength <= blockLength &- 32 else {
            return stop(at: start, "\(what) claims \(capturedLength) captured bytes, more than its "
                        + "\(blockLength)-byte block holds")
        }
        let index = sectionFirstInterface &+ local
        let state = interfaceStates[index]
        let raw = UInt64(load32(block, 12)) << 32 | UInt64(load32(block, 16))
        return CaptureRecord(timestamp: state.scale.timestamp(raw), linkType: state.linkType, interfaceIndex: index,
                             originalLength: Int(load32(block, 24)),
                             bytes: UnsafeRawBufferPointer(start: block + 28, count: capturedLength), fileOffset: start)
    }

    /// The Simple Packet Block: interface 0 of its section, no timestamp, and a captured length
    /// that is not stored but is the original length cut by the interface's snaplen and the block.
    private func simplePacket(_ block: UnsafeRawPointer, length: Int, at start: Int) -> CaptureRecord? {
        guard length >= 16 else { return stop(at: start, "a simple packet block is too short (\(length) bytes)") }
        guard sectionInterfaceCount > 0 else {
            return stop(at: start, "a simple packet block comes before any interface description in its section")
        }
        let index = sectionFirstInterface
        let state = interfaceStates[index]
        let originalLength = Int(load32(block, 8))
        var capturedLength = min(originalLength, length &- 16)
        if state.snapLength > 0 { capturedLength = min(capturedLength, state.snapLength) }
        // It has no time at all; zero is what libpcap reports for it too (tshark shows none).
        return CaptureRecord(timestamp: .zero, linkType: state.linkType, interfaceIndex: index,
                             originalLength: originalLength,
                             bytes: UnsafeRawBufferPointer(start: block + 12, count: capturedLength), fileOffset: start)
    }

    // MARK: - Description blocks

    private func addInterface(_ block: UnsafeRawPointer, length: Int) -> String? {
        guard length >= 20 else { return "an interface description block is too short (\(length) bytes)" }
        guard interfaces.count < limits.maxInterfaces else {
            return "more than \(limits.maxInterfaces) interface description blocks: the file is damaged here"
        }
        let (state, name) = interfaceState(block, length: length)
        interfaceStates.append(state)
        sectionInterfaceCount &+= 1
        interfaces.append(CaptureInterface(linkType: state.linkType, snapLength: state.snapLength,
                                           timestampUnitsPerSecond: state.scale.unitsPerSecond,
                                           timestampOffsetSeconds: state.scale.offsetNanoseconds / 1_000_000_000,
                                           name: name, section: max(sectionCount &- 1, 0)))
        noteLinkType(state.linkType)
        return nil
    }

    /// Parses an IDB of `length` (>= 20) bytes. Malformed options end the option list rather
    /// than the file: Wireshark and libpcap disagree on them, and the packets are still good.
    func interfaceState(_ block: UnsafeRawPointer, length: Int) -> (state: InterfaceState, name: String?) {
        let linkType = LinkType(rawValue: UInt32(load16(block, 8)))
        let snapLength = Int(load32(block, 12))
        var units: UInt64 = 1_000_000
        var offsetSeconds: Int64 = 0
        var name: String?
        forEachOption(block, from: 16, length: length) { code, value, optionLength in
            switch code {
            case 9 where optionLength >= 1: // if_tsresol
                if let u = TimestampScale.unitsPerSecond(tsresol: block.load(fromByteOffset: value, as: UInt8.self)) {
                    units = u
                }
            case 14 where optionLength == 8: // if_tsoffset, seconds
                offsetSeconds = Int64(bitPattern: load64(block, value))
            case 2 where optionLength > 0: // if_name
                let bytes = UnsafeRawBufferPointer(start: block + value, count: min(optionLength, 256))
                name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            default:
                break
            }
        }
        let state = InterfaceState(linkType: linkType, snapLength: snapLength,
                                   scale: TimestampScale(unitsPerSecond: units, offsetSeconds: offsetSeconds))
        return (state, name)
    }

    /// Calls `body` with each option of a block (its code, the offset of its value, its length)
    /// from offset `start` on: up to the end-of-options code, or to the first option that would
    /// overrun the block's `length` (malformed options end the list, not the file).
    func forEachOption(_ block: UnsafeRawPointer, from start: Int, length: Int,
                       _ body: (_ code: UInt16, _ value: Int, _ length: Int) -> Void) {
        var p = start
        let end = length &- 4
        while p &+ 4 <= end {
            let code = load16(block, p), optionLength = Int(load16(block, p &+ 2))
            let value = p &+ 4
            guard code != 0, optionLength <= end &- value else { break }
            body(code, value, optionLength)
            p = value &+ (optionLength &+ 3) & ~3
        }
    }

    private func addSecrets(_ block: UnsafeRawPointer, length: Int) -> String? {
        guard length >= 20 else { return "a decryption secrets block is too short (\(length) bytes)" }
        let type = load32(block, 8), secretsLength = Int(load32(block, 12))
        guard secretsLength <= length &- 20 else {
            return "a decryption secrets block claims \(secretsLength) bytes of secrets, more than its "
                + "\(length)-byte block holds"
        }
        // Past the cap the secrets are dropped, not the packets.
        guard secretsBytes &+ secretsLength <= limits.maxSecretsBytes else { return nil }
        secretsBytes &+= secretsLength
        secrets.append(DecryptionSecrets(type: type, data: Array(UnsafeRawBufferPointer(start: block + 16, count: secretsLength))))
        return nil
    }
}
