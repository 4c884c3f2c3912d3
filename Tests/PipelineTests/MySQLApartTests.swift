import Analysis
import CaptureIO
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// MySQL decoded on a worker while the reading thread decodes the rest
/// (`CaptureAnalysis.Options.decodesMySQLApart`, `glancetrace sql`'s default on upload captures)
/// must give every report one thread gives, with tiny batches too (many hand-overs).
@Suite struct MySQLApartTests {
    /// The options of a run of `capture` with its key log, if it has one.
    static func options(_ capture: String, hashUploads: Bool) -> CaptureAnalysis.Options {
        var options = CaptureAnalysis.Options()
        options.keyLogPaths = ShardedAnalysisTests.keyLogs(beside: capture)
        options.hashUploads = hashUploads
        return options
    }

    static func reports(_ capture: String, apart: Bool, hashUploads: Bool, limits: ShardingLimits = ShardingLimits()) throws -> [String] {
        var options = options(capture, hashUploads: hashUploads)
        options.decodesMySQLApart = apart
        options.sharding = limits
        let result = try CaptureAnalysis(options: options).run(paths: [capture])
        return [AnalysisJSON.document(result).serialized(), AnalysisText.report(result), ExchangeListText.http(result),
                ExchangeListText.sql(result), result.warnings.joined(separator: "\n"),
                result.tls.map { "\($0.connection) \($0.summary)" }.joined(separator: "\n"),
                "\(result.tcp.connections) \(result.tcp.followedConnections)"]
    }

    @Test(arguments: ShardedAnalysisTests.fixtureCaptures)
    func reportsAreTheSameWithMySQLApart(_ capture: String) throws {
        var tiny = ShardingLimits()
        tiny.eventsPerBatch = 3
        tiny.copiedBytesPerBatch = 64
        tiny.batchLag = 256
        for hashUploads in [false, true] {
            let one = try Self.reports(capture, apart: false, hashUploads: hashUploads)
            #expect(try Self.reports(capture, apart: true, hashUploads: hashUploads) == one, "\(capture)")
            #expect(try Self.reports(capture, apart: true, hashUploads: hashUploads, limits: tiny) == one, "\(capture) (tiny batches)")
        }
    }

    /// Secrets met in the capture (pcapng DSB, `editcap --inject-secrets`) reach the reading
    /// thread's decoders too, which decrypt the HTTPS themselves.
    @Test func injectedSecretsDecryptOnTheReadingThread() throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let injected = try TLSAnalysisTests.captureWithInjectedSecrets("tls13-aes256gcm", in: directory) else { return }
        let one = try Self.reports(injected, apart: false, hashUploads: false)
        #expect(one[2].contains("GET /"))
        #expect(try Self.reports(injected, apart: true, hashUploads: false) == one)
    }

    /// The comparison means something: MySQL is decoded apart and its statements reach the list.
    @Test func mysqlFixturesHaveStatements() throws {
        let capture = try #require(ShardedAnalysisTests.fixtureCaptures.first { $0.contains("/s-mysql-proxy/") })
        let sql = try Self.reports(capture, apart: true, hashUploads: false)[3]
        #expect(sql.contains("Query: "))
    }
}
