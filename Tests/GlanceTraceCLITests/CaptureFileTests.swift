import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension LiveTests {
/// `capture -w` with rotation on `lo` with real traffic.
@Suite struct CaptureFileTests {
    /// Names of the files the capture reported on stderr ("wrote a, b, c").
    private func written(_ stderr: String) -> [String] {
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains("glancetrace: wrote ") }) else { return [] }
        return line.replacingOccurrences(of: "glancetrace: wrote ", with: "").components(separatedBy: ", ")
    }

    private func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1 }

    /// Every file is a capture our reader and capinfos read without a warning; returns its packets.
    private func packets(in path: String, format: String) throws -> Int {
        let info = try GlanceTraceBinary.info(path)
        #expect(info["warning"] is NSNull, "\(path): \(info["warning"] ?? "")")
        #expect(info["format"] as? String == format)
        if let capinfos = LiveEnvironment.capinfos {
            let result = try Command.run(capinfos, ["-c", "-M", path], timeout: 20)
            #expect(result.status == 0 && result.stderr.isEmpty, "capinfos \(path): \(result.stderr)")
        }
        return info["packets"] as? Int ?? -1
    }

    @Test("-C: FILE, FILE1, FILE2... each just over C MB; -C -W 2 -F pcapng: a ring FILE0, FILE1",
          .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
          .enabled(if: LiveEnvironment.canCapture, .init(rawValue: LiveTests.noBinary)))
    func rotationBySize() throws {
        let dir = try LiveEnvironment.temporaryDirectory("rotate-size")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = LiveEnvironment.port(preferring: 9292)
        let filter = ["--filter", "tcp port \(port)"] + GlanceTraceBinary.portOptions([port])
        let glance = try GlanceStub(in: dir, port: port)
        defer { glance.stop() }

        let base = dir + "/size.pcap"
        let plain = try GlanceTraceBinary.start(["-w", base, "-C", "1"] + filter, in: dir, name: "size")
        let ring = try GlanceTraceBinary.start(["-w", dir + "/ring.pcapng", "-C", "1", "-W", "2", "-F", "pcapng"] + filter, in: dir, name: "ring")
        _ = try glance.drive(name: "big", size: 1_200_000, images: 3, in: dir)
        usleep(300_000)
        plain.signal(SIGTERM)
        ring.signal(SIGTERM)
        let plainRun = plain.wait(timeout: 15)
        let ringRun = ring.wait(timeout: 15)
        #expect(plainRun.status == 0, "\(plainRun.stderr)")
        #expect(ringRun.status == 0, "\(ringRun.stderr)")

        // ~3.7 MB of packets: four files, each but the last just past 1,000,000 bytes (three if
        // the kernel dropped some under load).
        let files = written(plainRun.stderr)
        #expect(files.count >= 3)
        #expect(files == [base] + (1..<max(files.count, 1)).map { base + String($0) })
        var total = 0
        for (i, file) in files.enumerated() {
            if i < files.count - 1 {
                #expect(size(file) > 1_000_000 && size(file) <= 1_000_000 + 262_144 + 16, "\(file): \(size(file)) bytes")
            }
            total += try packets(in: file, format: "pcap")
        }
        #expect(total == GlanceTraceBinary.packetsCaptured(plainRun.stderr))

        let ringFiles = written(ringRun.stderr)
        #expect(ringFiles == [dir + "/ring.pcapng0", dir + "/ring.pcapng1"])
        for file in ringFiles { _ = try packets(in: file, format: "pcapng") }
        // Text mode ends with the report of everything seen (the ring kept only the end).
        #expect(ringRun.stdout.contains("HTTP exchanges: 12"), "\(ringRun.stdout.suffix(600))")
        // No MariaDB here: the live status changes come from the API responses, once each.
        #expect(ringRun.stdout.components(separatedBy: " => QUEUED  (http)").count - 1 == 3)
        #expect(ringRun.stdout.components(separatedBy: " => ACTIVE  (http)").count - 1 == 3)
    }

    @Test("-G 1 -W 3: three files named by strftime a second or more apart, then the capture stops by itself",
          .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
          .enabled(if: LiveEnvironment.canCapture, .init(rawValue: LiveTests.noBinary)))
    func rotationByTime() throws {
        let dir = try LiveEnvironment.temporaryDirectory("rotate-time")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = LiveEnvironment.port(preferring: 9292)
        let glance = try GlanceStub(in: dir, port: port)
        defer { glance.stop() }

        let capture = try GlanceTraceBinary.start(["-w", dir + "/t-%s.pcap", "-G", "1", "-W", "3", "--format", "json",
                                                   "--filter", "tcp port \(port)"] + GlanceTraceBinary.portOptions([port]),
                                                  in: dir, name: "time")
        let client = try glance.driveInBackground(name: "steady", size: 20_000, seconds: 6, in: dir)
        defer { client.stop() }
        let run = capture.wait(timeout: 15)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.seconds < 6, "the capture should stop after 3 files, took \(run.seconds) s")
        let files = written(run.stderr)
        #expect(files.count == 3)
        let starts = files.compactMap { Int64($0.replacingOccurrences(of: dir + "/t-", with: "").replacingOccurrences(of: ".pcap", with: "")) }
        #expect(starts.count == 3)
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b - a >= 1) }
        var total = 0
        for file in files { total += try packets(in: file, format: "pcap") }
        #expect(total == GlanceTraceBinary.packetsCaptured(run.stderr))
        // Each file's packets lie in its own interval (tcpdump rotates on the wall clock).
        for (file, start) in zip(files, starts) {
            let info = try GlanceTraceBinary.info(file)
            if let first = info["first"] as? String { #expect(first >= rfc3339(start)) }
        }
    }

    @Test("--duration stops a quiet capture on time; --count stops after that many packets, all in the file",
          .enabled(if: LiveEnvironment.isRoot, .init(rawValue: LiveTests.notRoot)),
          .enabled(if: LiveEnvironment.canCapture, .init(rawValue: LiveTests.noBinary)))
    func stopConditions() throws {
        let dir = try LiveEnvironment.temporaryDirectory("stop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Nothing on this port: libpcap in immediate mode would block forever without our poll.
        let quiet = try Command.run(try GlanceTraceBinary.binary(), ["capture", "-i", "lo", "--filter", "tcp port 9", "--duration", "1",
                                                                    "--format", "json", "-w", dir + "/quiet.pcap"], timeout: 10)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.seconds >= 1 && quiet.seconds < 2.5, "--duration 1 took \(quiet.seconds) s")
        #expect(quiet.stdout.isEmpty)
        #expect(try packets(in: dir + "/quiet.pcap", format: "pcap") == 0)

        let port = LiveEnvironment.port(preferring: 9292)
        let glance = try GlanceStub(in: dir, port: port)
        defer { glance.stop() }
        let capture = try GlanceTraceBinary.start(["--count", "7", "-w", dir + "/seven.pcapng", "-F", "pcapng", "--filter", "tcp port \(port)"]
                                                  + GlanceTraceBinary.portOptions([port]), in: dir, name: "count")
        _ = try glance.drive(name: "counted", in: dir)
        let run = capture.wait(timeout: 10)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(GlanceTraceBinary.packetsCaptured(run.stderr) == 7)
        #expect(try packets(in: dir + "/seven.pcapng", format: "pcapng") == 7)
    }

    private func rfc3339(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var fields = tm()
        gmtime_r(&t, &fields)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &fields)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
}
