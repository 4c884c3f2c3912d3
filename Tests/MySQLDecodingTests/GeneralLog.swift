import Foundation

/// Entries of a MariaDB general query log excerpt (the truth for the recorded fixtures).
struct GeneralLog {
    struct Entry: Equatable {
        var connectionID: Int
        var command: String
        var argument: String
        /// The recorder cut the line (a 17 MB blob): compare the kept prefix only.
        var isCut: Bool
    }

    var entries: [Entry] = []

    init(named name: String) throws {
        try self.init(contentsOf: StreamFixture.directory.appendingPathComponent(name))
    }

    init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        // Lines are split as bytes: a live recording's log has a 34 MB line, which splitting
        // the whole text by Character would crawl through in a debug build.
        for bytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            // "YYMMDD HH:MM:SS\t     4 Query\tSELECT 1" or "\t\t     4 Query\tSELECT 1"
            var line = Substring(String(decoding: bytes, as: UTF8.self))
            if line.hasPrefix("\t\t") { line = line.dropFirst(2) } else if let tab = line.firstIndex(of: "\t") {
                line = line[line.index(after: tab)...]
            }
            let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            let idAndCommand = fields[0].drop(while: { $0 == " " })
            guard let space = idAndCommand.firstIndex(of: " "), let id = Int(idAndCommand[..<space]) else { continue }
            var argument = String(fields[1])
            let isCut = argument.hasSuffix(" [cut]")
            if isCut { argument = String(argument.dropLast(6)) }
            entries.append(Entry(connectionID: id, command: String(idAndCommand[idAndCommand.index(after: space)...]),
                                 argument: argument, isCut: isCut))
        }
    }
}
