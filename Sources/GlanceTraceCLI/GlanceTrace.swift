import ArgumentParser

@main
struct GlanceTrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glancetrace",
        abstract: "Reconstruct what Keystone, Glance and MariaDB said to each other from a packet capture.",
        subcommands: []
    )
}
