import ArgumentParser
import MantaHost
import MantaJSON
import MantaText

/// `manta plugin check FILE.so`.
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Work with plugin files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a plugin against the ABI and its manifest, and run it through its lifecycle.",
            discussion: """
                Checks the exported symbols, version negotiation, struct sizes, the manifest cross-check \
                and the config schema, then (in a child process, so a crash is reported, not suffered) \
                init, create, the kind's functions, start, callbacks, stop, destroy and deinit. Exits 0 \
                only when every check passes.
                """)

        @Argument(help: "The plugin's shared library, e.g. .build/debug/libmanta_sim.so")
        var file: String

        @Option(help: "The plugin's manifest (default: found under --plugin-dir by library name).")
        var manifest: String?

        @Option(name: .customLong("plugin-dir"), help: "Folders to search for the manifest.")
        var pluginDirs: [String] = ["Plugins", "examples/plugins"]

        @Option(help: "Config (JSON object) to create the plugin with, instead of the manifest's check_config.")
        var config: String?

        @Option(help: "The point catalog (default: registry/catalog/points.json found upward).")
        var catalog: String?

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() throws {
            var cfg: JSON?
            if let config {
                do { cfg = try JSON.parse(config) } catch { throw ValidationError("--config is not JSON: \(error)") }
            }
            let report = PluginValidator.check(
                library: file, options: .init(manifestPath: manifest, pluginDirs: pluginDirs, config: cfg, catalogPath: catalog))
            if json {
                print(JSON.object(JSONObject([
                    ("file", .string(file)), ("passed", .bool(report.passed)),
                    ("checks", .array(report.lines.map { ["status": .string($0.status.rawValue), "step": .string($0.step), "detail": .string($0.detail)] })),
                ])).pretty())
            } else {
                print("manta plugin check \(file)")
                for l in report.lines {
                    print("  \(l.status.rawValue)  \(l.step.padded(10)) \(l.detail)")
                }
                let failed = report.lines.filter { $0.status == .fail }.count
                print(failed == 0 ? "passed: \(report.lines.count) checks" : "FAILED: \(failed) of \(report.lines.count) checks")
            }
            if !report.passed { throw ExitCode(1) }
        }
    }
}
