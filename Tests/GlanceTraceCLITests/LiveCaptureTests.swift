import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `glancetrace capture` end to end on `lo`: real MariaDB, a Glance-like HTTP server and a
/// client (Fixtures/live/), the live NDJSON compared with what the client did and with
/// `analyze` of the written file; interruption, rotation and the error paths.
///
/// The MariaDB test also needs `mariadb-server` and `python3-pymysql`.
extension LiveTests {
@Suite struct LiveCaptureTests {

    @Test("live NDJSON shows each exchange, statement and status change; the file analyses to the same result",
          .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)),
          .enabled(if: LiveEnvironment.canRunMariaDB, .init(rawValue: LiveTests.noMariaDB)))
    func liveTimelineAgainstMariaDBAndGlance() throws {
        let dir = try LiveEnvironment.temporaryDirectory("live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dbPort = LiveEnvironment.port(preferring: 3306)
        let httpPort = LiveEnvironment.port(preferring: 9292)
        let ports = GlanceTraceBinary.portOptions([dbPort, httpPort])

        let db = try MariaDBServer(in: dir, port: dbPort)
        defer { db.stop() }
        let glance = try GlanceStub(in: dir, port: httpPort, databasePort: dbPort)
        defer { glance.stop() }

        let file = dir + "/live.pcap"
        let capture = try GlanceTraceBinary.start(["--format", "json", "-w", file] + ports, in: dir)
        let name = "cirros-live-\(getpid())"
        let client = try glance.drive(name: name, size: 300_000, in: dir)
        usleep(300_000)  // the last ACKs
        capture.signal(SIGINT)
        let run = capture.wait(timeout: 15)
        #expect(run.status == 0, "capture exit status; stderr: \(run.stderr)")
        #expect(run.seconds < 3, "SIGINT took \(run.seconds) s to stop the capture")

        // stdout is NDJSON and nothing else.
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let events = try lines.map { line -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let event = object as? [String: Any], event["event"] is String else {
                throw GlanceTraceBinary.Failure(description: "not an event object: \(line)")
            }
            return event
        }
        #expect(run.stdout.hasSuffix("\n"))
        let image = try #require(client.images.first)

        // Every call the client made, with its status, as it completed.
        let http = events.filter { $0["event"] as? String == "http" }
        let ours = http.filter {
            ($0["path"] as? String).map { $0.contains(name) || $0.contains(image.id) } == true || $0["image_id"] as? String == image.id
        }
        #expect(ours.map { "\($0["method"]!) \($0["path"]!) \($0["status"]!)" }
                == client.calls.map { "\($0[0].text) \($0[1].text) \($0[2].text)" })
        #expect(ours.map { $0["operation"] as? String ?? "" } == ["image-show", "image-create", "image-upload", "image-show"])

        // The statements the server sent, summarised but whole in JSON.
        let sql = events.filter { $0["event"] as? String == "sql" }
        let statements = sql.compactMap { $0["statement"] as? String }
        #expect(statements.contains { $0.hasPrefix("INSERT INTO images") && $0.contains(image.id) && $0.contains("'queued'") })
        #expect(statements.contains { $0.hasPrefix("UPDATE images SET status='saving'") && $0.contains(image.id) })
        #expect(statements.contains { $0.contains("status='active'") && $0.contains(image.md5) })
        #expect(statements.filter { $0 == "COMMIT" }.count >= 3)

        // Status changes of the image, in order, from the SQL writes.
        let statuses = events.filter { $0["event"] as? String == "image-status" && $0["image_id"] as? String == image.id }
        #expect(statuses.map { $0["status"] as? String ?? "" } == ["queued", "saving", "active"])

        // libpcap's statistics on stderr, and the file holds every packet captured.
        let captured = try #require(GlanceTraceBinary.packetsCaptured(run.stderr), "no statistics line in: \(run.stderr)")
        #expect(run.stderr.contains("dropped by kernel"))
        #expect(captured > 20)
        if let capinfos = LiveEnvironment.capinfos {
            let info = try Command.run(capinfos, ["-c", "-M", file], timeout: 20)
            #expect(info.status == 0, "capinfos: \(info.stderr)")
            #expect(info.stdout.contains("Number of packets:   \(captured)"), "capinfos: \(info.stdout)")
        }

        // The written file, analysed afterwards, gives the same exchanges and statements.
        let analysis = try GlanceTraceBinary.analyze(file, ports: ports)
        let fileHTTP = try #require(analysis["http"] as? [[String: Any]])
        let fileSQL = try #require(analysis["sql"] as? [[String: Any]])
        let byTime = { (a: [String: Any], b: [String: Any]) in (a["time"] as? String ?? "") < (b["time"] as? String ?? "") }
        let httpKeys = ["time", "end", "client", "server", "method", "path", "status", "operation", "image_id", "request_bytes"]
        #expect(GlanceTraceBinary.project(fileHTTP, httpKeys) == GlanceTraceBinary.project(http.sorted(by: byTime), httpKeys))
        let sqlKeys = ["time", "end", "client", "server", "command", "statement", "result"]
        #expect(GlanceTraceBinary.project(fileSQL, sqlKeys) == GlanceTraceBinary.project(sql.sorted(by: byTime), sqlKeys))
        let images = try #require(analysis["images"] as? [[String: Any]])
        let analysed = try #require(images.first { $0["id"] as? String == image.id })
        #expect(analysed["status"] as? String == "active")
        #expect(analysed["checksum"] as? String == image.md5)
        let transitions = (analysed["transitions"] as? [[String: Any]] ?? []).map { $0["status"] as? String ?? "" }
        #expect(transitions == statuses.map { $0["status"] as? String ?? "" })
        #expect((analysed["upload"] as? [String: Any])?["matches_checksum"] as? Bool == true)
    }

    @Test("SIGINT during an upload stops at once and leaves a valid file (pcap and pcapng)",
          .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
          .enabled(if: LiveEnvironment.canCapture, .init(rawValue: LiveTests.noBinary)),
          arguments: ["pcap", "pcapng"])
    func interruptMidTransfer(format: String) throws {
        let dir = try LiveEnvironment.temporaryDirectory("sigint")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let httpPort = LiveEnvironment.port(preferring: 9292)
        let ports = GlanceTraceBinary.portOptions([httpPort])
        let glance = try GlanceStub(in: dir, port: httpPort)
        defer { glance.stop() }

        let file = dir + "/interrupted.\(format)"
        let capture = try GlanceTraceBinary.start(["-w", file, "-F", format] + ports, in: dir)
        let client = try glance.driveInBackground(name: "busy", size: 2_000_000, seconds: 3, in: dir)
        defer { client.stop() }
        // Interrupt while packets flow: after the first ones are on disk.
        #expect(capture.waitUntil(timeout: 10) { _ in ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) > 200_000 })
        capture.signal(SIGINT)
        let run = capture.wait(timeout: 15)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.seconds < 3, "SIGINT took \(run.seconds) s")
        // Text mode ends with the analyze report.
        #expect(run.stdout.contains("HTTP exchanges:"))
        let captured = try #require(GlanceTraceBinary.packetsCaptured(run.stderr), "stderr: \(run.stderr)")

        if let capinfos = LiveEnvironment.capinfos {
            let info = try Command.run(capinfos, ["-c", "-M", file], timeout: 20)
            #expect(info.status == 0 && info.stderr.isEmpty, "capinfos: \(info.stderr)")
            #expect(info.stdout.contains("Number of packets:   \(captured)"), "capinfos: \(info.stdout)")
        }
        let info = try GlanceTraceBinary.info(file)
        #expect(info["packets"] as? Int == captured)
        #expect(info["warning"] is NSNull, "our reader warned: \(info["warning"] ?? "")")
        #expect(info["format"] as? String == format)
    }
}
}
