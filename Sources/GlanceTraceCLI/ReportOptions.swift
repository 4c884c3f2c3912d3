import ArgumentParser

/// A command that writes one report in a format of its choice, to stdout or to `-o FILE`.
protocol ReportCommand: ParsableCommand {
    /// `--format`'s help: what each format gives for this command.
    static var formatHelp: String { get }
    /// The formats the command writes, in the order its error message names them.
    static var formats: [OutputFormat] { get }
}

extension ReportCommand {
    /// Listings write text or json; only `analyze` writes more.
    static var formats: [OutputFormat] { [.text, .json] }
}

/// `--format` and `-o`, shared by the reading commands that write a report (`analyze`, `info`,
/// `http`, `sql`); each command documents its own formats through `Command`.
struct ReportOptions<Command: ReportCommand>: ParsableArguments {
    @Option(help: ArgumentHelp(Command.formatHelp))
    var format: OutputFormat = .text

    @Option(name: .short, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
        guard Command.formats.contains(format) else {
            let name = Command.configuration.commandName ?? "this command"
            let formats = Command.formats.map(\.rawValue).joined(separator: " or ")
            throw ValidationError("\(name) writes \(formats), not \(format.rawValue).")
        }
    }
}
