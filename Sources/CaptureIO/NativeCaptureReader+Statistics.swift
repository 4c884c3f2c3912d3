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
        forEachOption(block, from: 20, length: length) { code, value, optionLength in
            if optionLength == 8 {
                let counter = load64(block, value)
                switch code {
                case 4: statistics.received = counter
                case 5: statistics.interfaceDrops = counter
                case 6: statistics.filterAccepted = counter
                case 7: statistics.osDrops = counter
                case 8: statistics.delivered = counter
                default: break
                }
            }
        }
        if let index = collectedStatistics.firstIndex(where: { $0.interface == statistics.interface }) {
            collectedStatistics[index] = statistics
        } else {
            collectedStatistics.append(statistics)
        }
    }
}
