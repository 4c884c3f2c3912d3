/// The warning for a capture that says it dropped packets itself.
enum CaptureDropWarning {
    static func message(path: String, drops: (interface: UInt64?, os: UInt64?, total: UInt64)) -> String {
        var counters: [String] = []
        if let interface = drops.interface { counters.append("ifdrop \(interface)") }
        if let os = drops.os { counters.append("osdrop \(os)") }
        return "\(path): the capture itself dropped \(drops.total) packets (interface statistics: "
            + counters.joined(separator: ", ") + "): gaps may be the capture's, not the network's"
    }
}
