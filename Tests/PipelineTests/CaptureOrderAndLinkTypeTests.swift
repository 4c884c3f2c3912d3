import Analysis
import Foundation
@testable import Reports
import TestSupport
import Testing
import Timeline

/// Issue 18, items 5 and 7: `info` reports the earliest and latest packet times and whether the
/// file is in time order, as capinfos does; packets of a link type glancetrace does not decode
/// are counted in a warning instead of silently giving nothing.
struct CaptureOrderAndLinkTypeTests {
    /// A classic little-endian microsecond pcap: (seconds, microseconds, frame) per record.
    static func pcap(linkType: UInt32, _ records: [(UInt32, UInt32, [UInt8])]) -> [UInt8] {
        var pcap = PcapWriter(linkType: linkType, snapLength: 65535)
        for (seconds, micros, frame) in records { pcap.append(frame, seconds: seconds, fraction: micros) }
        return pcap.bytes
    }

    static func write(_ bytes: [UInt8], name: String) throws -> String {
        let path = try ProjectPaths.temporaryDirectory().appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Three Ethernet frames whose first is not the earliest: 5 s, 3 s, 7 s.
    @Test func infoReportsTheEarliestAndLatestAndSaysTheOrderIsNotStrict() throws {
        let frame = [UInt8](repeating: 0, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)   // ARP
        let path = try Self.write(Self.pcap(linkType: 1, [(1_700_000_005, 0, frame), (1_700_000_003, 250, frame), (1_700_000_007, 0, frame)]),
                                  name: "out-of-order.pcap")
        let summary = try CaptureSurvey(watchedPorts: [], readerKind: .native).run(path: path)
        #expect(summary.first?.rfc3339(precision: .microseconds) == "2023-11-14T22:13:23.000250Z")
        #expect(summary.last?.rfc3339(precision: .microseconds) == "2023-11-14T22:13:27.000000Z")
        #expect(!summary.isInTimeOrder && summary.outOfOrderTimestamps == 1)
        let text = InfoReport.text(summary)
        #expect(text.contains("Strict time order:  False (1 packet earlier than one before it)"))
        #expect(text.contains("Duration:           3.999750 seconds"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(InfoReport.json(summary).serialized().utf8)) as? [String: Any])
        #expect(json["strict_time_order"] as? Bool == false)
        #expect(json["first"] as? String == "2023-11-14T22:13:23.000250Z")
        // capinfos, the oracle: -a earliest, -e latest, -o strict time order.
        if let run = try ExternalTool.runIfInstalled("capinfos", ["-a", "-e", "-o", "-T", "-r", "-S", path]), run.status == 0 {
            let output = run.output
            let fields = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\t").map(String.init)
            #expect(fields.count == 4)
            if fields.count == 4 {
                #expect(Int64((Double(fields[1]) ?? 0) * 1e6) == (summary.first?.nanoseconds ?? 0) / 1000)
                #expect(Int64((Double(fields[2]) ?? 0) * 1e6) == (summary.last?.nanoseconds ?? 0) / 1000)
                #expect(fields[3] == "False")
            }
        }
        let ordered = try Self.write(Self.pcap(linkType: 1, [(1, 0, frame), (1, 0, frame), (2, 0, frame)]), name: "in-order.pcap")
        let orderedSummary = try CaptureSurvey(watchedPorts: [], readerKind: .native).run(path: ordered)
        #expect(orderedSummary.isInTimeOrder && InfoReport.text(orderedSummary).contains("Strict time order:  True"))
    }

    /// An 802.11 radiotap capture gave an empty report and no word about why.
    @Test func packetsOfAnUndecodedLinkTypeAreCountedInAWarning() throws {
        let radiotap: [UInt8] = [0, 0, 8, 0, 0, 0, 0, 0] + [0x08, 0x02] + [UInt8](repeating: 0, count: 30)
        let path = try Self.write(Self.pcap(linkType: 127, [(1, 0, radiotap), (2, 0, radiotap), (3, 0, radiotap)]), name: "wifi.pcap")
        let result = try CaptureAnalysis(options: .init()).run(paths: [path])
        #expect(result.http.isEmpty && result.sql.isEmpty)
        #expect(result.warnings.contains("\(path): 3 packets of link type ieee-802-11-radiotap (127) skipped: "
            + "glancetrace decodes Ethernet, Linux cooked (SLL, SLL2), BSD loopback and raw IP captures"), "\(result.warnings)")
        // A decoded link type gives no such warning.
        let ethernet = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.fixture("peers/packetbeat/mysql_affected_rows.pcap")])
        #expect(!ethernet.warnings.contains { $0.contains("link type") })
    }
}
