import Foundation
import PackagePlugin

/// Records the git revision the package is built from (`BuildRevision.swift`, for
/// `glancetrace --version`).
///
/// A prebuild command, not a build command: the revision changes without any input file that
/// SwiftPM could watch, so Packaging/record-revision runs before every build (a few git
/// calls) and rewrites the file only when the revision changed.
@main
struct RecordRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildRevision")
        return [
            .prebuildCommand(
                displayName: "Recording the git revision of \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    package.appending(path: "Packaging/record-revision").path(percentEncoded: false),
                    package.path(percentEncoded: false),
                    output.path(percentEncoded: false),
                ],
                outputFilesDirectory: output
            ),
        ]
    }
}
