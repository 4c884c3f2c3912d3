// pcapng Interface Statistics Block (draft-ietf-opsawg-pcapng, section 4.6): interface id,
// timestamp, then options. Only the counters are kept.

extension NativeCaptureReader {
    /// Reads an ISB of `length` bytes. A malformed block is skipped, not fatal: the packets are
    /// what matters, and Wireshark reads such files too.
    func addStatistics(_ block: UnsafeRawPointer, length: Int) {
        guard length >= 24 else { return }
        let local = Int(load32(block, 8))
        guard local < sectionInterfaceCount else { return }
        var statistics = InterfaceStatistics(interface: sectionFirstInterface &+ local)
        var p = 20
        let end = length &- 4
        while p &+ 4 <= end {
            let code = load16(block, p), optionLength = Int(load16(block, p &+ 2))
            let value = p &+ 4
            guard code != 0, optionLength <= end &- value else { break }
            if optionLength == 8 {
                let counter = statisticsCounter(block, value)
                switch code {
                case 4: statistics.received = counter
                case 5: statistics.interfaceDrops = counter
                case 6: statistics.filterAccepted = counter
                case 7: statistics.osDrops = counter
                case 8: statistics.delivered = counter
                default: break
                }
            }
            p = value &+ (optionLength &+ 3) & ~3
        }
        if let index = collectedStatistics.firstIndex(where: { $0.interface == statistics.interface }) {
            collectedStatistics[index] = statistics
        } else {
            collectedStatistics.append(statistics)
        }
    }

    private func statisticsCounter(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        let v = p.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return swapped ? v.byteSwapped : v
    }
}
