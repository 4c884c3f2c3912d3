import Timeline
import CaptureIO

/// Packets of a link type the packet decoder does not read (802.11 radiotap, ...): counted per
/// capture so that the user learns what was skipped instead of getting an empty report.
struct UndecodedLinkType: Hashable {
    var capture: Int
    var linkType: LinkType

    /// One warning per capture and link type, naming the file, the link type and the count.
    static func warnings(_ counts: [UndecodedLinkType: Int], paths: [String]) -> [String] {
        counts.sorted { ($0.key.capture, $0.key.linkType.rawValue) < ($1.key.capture, $1.key.linkType.rawValue) }.map { entry, count in
            let path = paths.indices.contains(entry.capture) ? paths[entry.capture] : "capture \(entry.capture)"
            return "\(path): \(count) packet\(count == 1 ? "" : "s") of link type \(entry.linkType.name) (\(entry.linkType.rawValue)) skipped: "
                + "glancetrace decodes Ethernet, Linux cooked (SLL, SLL2), BSD loopback and raw IP captures"
        }
    }
}
