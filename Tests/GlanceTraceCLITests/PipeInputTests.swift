import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension LiveTests {
/// Captures read from a pipe (`ssh host tcpdump -w - | glancetrace analyze -`): the same report
/// as from the file, events as they complete with `--follow`, and nothing lost when the pipe ends
/// inside a record or Ctrl-C stops it.
@Suite struct PipeInputTests {
    static let root = ProjectPaths.root

    /// Every capture of the fixtures, and the shared real captures when they are around.
    static let captures: [String] = {
        var paths: [String] = []
        if let files = FileManager.default.enumerator(atPath: root.appendingPathComponent("Fixtures").path) {
            for case let file as String in files where file.hasSuffix(".pcap") || file.hasSuffix(".pcapng") || file.hasSuffix(".pcap.gz") {
                paths.append(root.appendingPathComponent("Fixtures/\(file)").path)
            }
        }
        for scenario in ProjectPaths.sharedScenarios where FileManager.default.fileExists(atPath: ProjectPaths.sharedCapture(scenario)) {
            paths.append(ProjectPaths.sharedCapture(scenario))
        }
        return paths.sorted()
    }()

    static let slim = root.appendingPathComponent("Fixtures/captures/a-seed-slim.pcap").path

    /// The report without the file names (`-` for a pipe).
    static func document(_ json: String) throws -> [String: Any] {
        var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        object["captures"] = (object["captures"] as? [[String: Any]])?.map { capture in
            var capture = capture
            capture["path"] = nil
            return capture
        }
        return object
    }

    static func shell(_ script: String) throws -> Command.Result {
        try Command.run("/bin/sh", ["-c", script], timeout: 120)
    }

    /// Starts `glancetrace ARGUMENTS` reading a new FIFO, and returns it with the FIFO's write end.
    /// posix_spawn waits for the child's exec, and the child's open of a FIFO waits for a writer:
    /// a read-write descriptor held across the spawn breaks that wait, then gives way to the
    /// write end (so that closing it ends the child's input).
    static func startReadingFIFO(_ arguments: [String], in dir: String, name: String) throws -> (Command, Int32) {
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let holder = open(fifo, O_RDWR | O_CLOEXEC)
        let command = try Command(try GlanceTraceBinary.binary(), arguments, in: dir, name: name, stdin: fifo)
        let writer = open(fifo, O_WRONLY | O_CLOEXEC)
        close(holder)
        return (command, writer)
    }

    @Test("cat F | glancetrace analyze - gives the JSON of glancetrace analyze F",
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)), arguments: captures)
    func pipeGivesTheFilesReport(_ capture: String) throws {
        let binary = try GlanceTraceBinary.binary()
        let fromFile = try Command.run(binary, ["analyze", "--format", "json", "-q", capture], timeout: 120)
        let fromPipe = try Self.shell("cat '\(capture)' | '\(binary)' analyze --format json -q -")
        #expect(fromFile.status == 0 && fromPipe.status == 0, "\(fromFile.stderr) \(fromPipe.stderr)")
        let file = try Self.document(fromFile.stdout), pipe = try Self.document(fromPipe.stdout)
        #expect(NSDictionary(dictionary: file).isEqual(to: pipe), "\(capture)")
        #expect(file["http"] != nil)
    }

    @Test("the libpcap reader reads a pipe too, magic and all",
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    func libpcapReaderFromAPipe() throws {
        let binary = try GlanceTraceBinary.binary()
        for capture in [Self.slim, Self.root.appendingPathComponent("Fixtures/captures/testbed/h-pcapng/capture.pcapng").path] {
            let fromFile = try Command.run(binary, ["analyze", "--reader", "libpcap", "--format", "json", "-q", capture], timeout: 120)
            let fromPipe = try Self.shell("cat '\(capture)' | '\(binary)' analyze --reader libpcap --format json -q -")
            #expect(fromPipe.status == 0, "\(fromPipe.stderr)")
            #expect(NSDictionary(dictionary: try Self.document(fromFile.stdout)).isEqual(to: try Self.document(fromPipe.stdout)), "\(capture)")
        }
    }

    @Test("a pipe that ends inside a record: a warning and the report of everything before it",
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    func pipeEndingMidRecord() throws {
        let binary = try GlanceTraceBinary.binary()
        let run = try Self.shell("head -c 500001 '\(Self.slim)' | '\(binary)' analyze --format json -")
        #expect(run.status == 0)
        #expect(run.stderr.contains("warning: -: the file is truncated: it ends"), "\(run.stderr)")
        let report = try Self.document(run.stdout)
        let http = report["http"] as? [Any] ?? []
        #expect(http.count > 5 && http.count < 20)
        #expect((report["warnings"] as? [String])?.first?.contains("truncated") == true)
    }

    /// The pipe is a FIFO the test writes: half the capture, then a pause. Events must be out
    /// while the writer still holds the pipe open; in the end the lines equal those of the file.
    @Test("analyze --follow - prints NDJSON events as they complete",
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    func followPrintsEventsAsTheyComplete() throws {
        let binary = try GlanceTraceBinary.binary()
        let dir = try LiveEnvironment.temporaryDirectory("follow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (command, writer) = try Self.startReadingFIFO(["analyze", "--follow", "--format", "json", "-"], in: dir, name: "follow")
        #expect(writer >= 0)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.slim)))
        let half = bytes.count / 2
        _ = bytes[0..<half].withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        let early = command.waitUntil(timeout: 30) { $0.stdout.split(separator: "\n").count >= 10 }
        #expect(early && command.isRunning, "events must come out before the pipe ends")
        _ = bytes[half...].withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        close(writer)
        let result = command.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let fromFile = try Command.run(binary, ["analyze", "--follow", "--format", "json", Self.slim], timeout: 60)
        #expect(result.stdout == fromFile.stdout)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count > 1000)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any]) }
        #expect(lines.first?.hasPrefix("{\"event\":") == true)
    }

    /// Ctrl-C reaches both ends of `ssh ... | glancetrace analyze -`: the report of what was read
    /// comes out all the same.
    @Test("SIGINT on a piped capture: the report covers what was read",
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    func interruptedPipeStillReports() throws {
        let binary = try GlanceTraceBinary.binary()
        let dir = try LiveEnvironment.temporaryDirectory("sigint")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (command, writer) = try Self.startReadingFIFO(["analyze", "--format", "json", "-"], in: dir, name: "sigint")
        defer { close(writer) }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.slim)))
        _ = bytes.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        // Everything written is read once the process has read that many bytes.
        let consumed = command.waitUntil(timeout: 30) { command in
            let io = (try? String(contentsOfFile: "/proc/\(command.pid)/io", encoding: .utf8)) ?? ""
            let line = io.split(separator: "\n").first { $0.hasPrefix("rchar:") }
            return (line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0) >= bytes.count
        }
        #expect(consumed)
        usleep(200_000)
        command.signal(SIGINT)
        let result = command.wait(timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("interrupted: the report covers the input read until then"), "\(result.stderr)")
        let report = try Self.document(result.stdout)
        let full = try Self.document(try Command.run(binary, ["analyze", "--format", "json", "-q", Self.slim], timeout: 60).stdout)
        #expect((report["http"] as? [Any])?.count == (full["http"] as? [Any])?.count)
        #expect((report["images"] as? [Any])?.count == 1)
    }
}
}
