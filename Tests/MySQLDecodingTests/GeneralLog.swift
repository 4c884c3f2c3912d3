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
        let data = try Data(contentsOf: StreamFixture.directory.appendingPathComponent(name))
        let text = String(decoding: data, as: UTF8.self)
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            // "YYMMDD HH:MM:SS\t     4 Query\tSELECT 1" or "\t\t     4 Query\tSELECT 1"
            var line = Substring(raw)
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
