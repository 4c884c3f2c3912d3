import Foundation
import PackagePlugin

/// Records the git revision the package is built from (`BuildRevision.swift`, for
/// `glancetrace --version`) by running Packaging/record-revision.
///
/// A build command whose inputs are the git files that move with the revision (`HEAD`, its
/// reflog, the index), not a prebuild command: SwiftPM skips prebuild commands on incremental
/// builds while Package.swift is unchanged (swift-package-manager#5476), so a commit would
/// leave the old revision in the binary. The script rewrites its output only when the text
/// changes, so a rerun with the same revision recompiles nothing.
@main
struct RecordRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let script = package.appending(path: "Packaging/record-revision")
        let outputDirectory = context.pluginWorkDirectoryURL.appending(path: "BuildRevision")
        var inputs = [script, package.appending(path: "Packaging/archive-revision")]
        if let gitDirectory = gitDirectory(of: package) {
            // The reflog grows with every commit, checkout and reset; the index changes when
            // a change is staged.
            inputs += ["HEAD", "logs/HEAD", "index"].map { gitDirectory.appending(path: $0) }
        }
        let fileManager = FileManager.default
        return [
            .buildCommand(
                displayName: "Recording the git revision of \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    script.path(percentEncoded: false),
                    package.path(percentEncoded: false),
                    outputDirectory.path(percentEncoded: false),
                ],
                inputFiles: inputs.filter { fileManager.fileExists(atPath: $0.path(percentEncoded: false)) },
                outputFiles: [outputDirectory.appending(path: "BuildRevision.swift")]
            ),
        ]
    }

    /// The repository folder of a checkout: `.git` itself, or where a worktree's `.git` file
    /// (`gitdir: PATH`) points; nil for a tree without git metadata.
    private func gitDirectory(of package: URL) -> URL? {
        let dotGit = package.appending(path: ".git")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path(percentEncoded: false), isDirectory: &isDirectory) else {
            return nil
        }
        if isDirectory.boolValue { return dotGit }
        guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else {
            return nil
        }
        let path = text.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appending(path: path)
    }
}
