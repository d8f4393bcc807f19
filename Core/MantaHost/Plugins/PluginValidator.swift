import Glibc
import MantaIO
import MantaJSON
import MantaModel
import MantaSDK

/// What `manta plugin check` found, one line per check.
public struct CheckReport: Sendable {
    public enum Status: String, Sendable { case pass = "PASS", fail = "FAIL", warn = "WARN" }

    public struct Line: Sendable {
        public var status: Status
        public var step: String
        public var detail: String
    }

    public var lines: [Line] = []
    public var passed: Bool { !lines.contains { $0.status == .fail } }

    mutating func add(_ status: Status, _ step: String, _ detail: String = "") {
        lines.append(Line(status: status, step: step, detail: detail))
    }
}

/// The SDK's validator: checks a plugin file against the ABI and its
/// manifest, then runs it through create/start/stop/destroy with its
/// default config.
///
/// Everything that executes plugin code (dlopen included) runs in a forked
/// child, so a plugin that crashes is reported as a failed step naming the
/// signal, not as a crashed checker.
public enum PluginValidator {
    public struct Options: Sendable {
        public var manifestPath: String?
        /// Where to look for the manifest when none is given.
        public var pluginDirs: [String]
        /// A config to create the plugin with instead of its check_config.
        public var config: JSON?
        public var catalogPath: String?

        public init(manifestPath: String? = nil, pluginDirs: [String] = [], config: JSON? = nil, catalogPath: String? = nil) {
            self.manifestPath = manifestPath
            self.pluginDirs = pluginDirs
            self.config = config
            self.catalogPath = catalogPath
        }
    }

    public static func check(library: String, options: Options) -> CheckReport {
        var report = CheckReport()
        let path = Paths.absolute(library)
        guard FileSystem.exists(path) else {
            report.add(.fail, "file", "\(library): no such file")
            return report
        }
        guard let manifest = findManifest(for: path, options, &report) else { return report }
        checkExports(path, &report)
        guard let catalog = loadCatalog(options, manifest: manifest, &report) else { return report }
        let raw = options.config ?? manifest.checkConfig ?? .object(JSONObject())
        let violations = manifest.configSchema.validate(raw)
        guard violations.isEmpty else {
            report.add(.fail, "config", "the check config does not satisfy the manifest's schema: "
                + violations.map(\.description).joined(separator: "; ")
                + (manifest.checkConfig == nil && options.config == nil ? " (give one with check_config in the manifest or --config)" : ""))
            return report
        }
        let schema = manifest.configSchema
        let config = schema.resolvingPaths(in: schema.applyingDefaults(to: raw)) { Paths.resolve($0, against: manifest.directory) }
        report.add(.pass, "config", options.config != nil ? "--config satisfies the schema"
                   : manifest.checkConfig != nil ? "check_config satisfies the schema" : "schema defaults form a valid config")
        report.lines += ForkedRun.run { emit in LifecycleCheck(manifest: manifest, path: path, catalog: catalog, emit: emit).run(config) }
        return report
    }

    static func findManifest(for library: String, _ options: Options, _ report: inout CheckReport) -> Manifest? {
        if let explicit = options.manifestPath {
            do throws(Manifest.Invalid) {
                let m = try Manifest.load(explicit)
                report.add(.pass, "manifest", "\(explicit) (\(m.id) \(m.version), \(m.kind.rawValue))")
                return m
            } catch {
                report.add(.fail, "manifest", error.description)
                return nil
            }
        }
        let dirs = options.pluginDirs + [Paths.directory(of: library)]
        let index = ManifestIndex(pluginDirs: dirs, libraryDirs: [])
        guard let m = index.manifest(forLibrary: library) else {
            let problems = index.problems.isEmpty ? "" : " (unreadable: \(index.problems.joined(separator: "; ")))"
            report.add(.fail, "manifest", "no manifest names \(Paths.basename(library)) as its library under \(dirs.joined(separator: ", "))\(problems); give one with --manifest")
            return nil
        }
        report.add(.pass, "manifest", "\(m.path) (\(m.id) \(m.version), \(m.kind.rawValue))")
        return m
    }

    /// Rule 1: exactly one entry symbol, and no stray C symbols.
    static func checkExports(_ path: String, _ report: inout CheckReport) {
        let names: [String]
        do {
            names = try ELFSymbols.exported(from: try FileSystem.read(path))
        } catch {
            report.add(.fail, "exports", "cannot read the symbol table: \(error)")
            return
        }
        let entries = names.filter { $0.hasPrefix("manta_module_entry_v") }
        let stray = names.filter { !$0.hasPrefix("manta_module_entry_v") && !$0.hasPrefix("$s") && !["_init", "_fini", "_edata", "_end", "__bss_start"].contains($0) }
        if entries != [MANTA_MODULE_ENTRY_SYMBOL] {
            report.add(.fail, "exports", entries.isEmpty ? "\(MANTA_MODULE_ENTRY_SYMBOL) is not exported"
                       : "exports \(entries.joined(separator: ", ")); exactly \(MANTA_MODULE_ENTRY_SYMBOL) is expected")
        } else if !stray.isEmpty {
            report.add(.warn, "exports", "also exports \(stray.prefix(8).joined(separator: ", "))\(stray.count > 8 ? " (+\(stray.count - 8))" : ""): build with -fvisibility=hidden")
        } else {
            let swift = names.count - entries.count
            report.add(.pass, "exports", MANTA_MODULE_ENTRY_SYMBOL + (swift > 0 ? " (and \(swift) Swift type-metadata symbols)" : ""))
        }
    }

    static func loadCatalog(_ options: Options, manifest: Manifest, _ report: inout CheckReport) -> PointCatalog? {
        let path = options.catalogPath ?? CatalogFile.find(near: manifest.path) ?? CatalogFile.find(near: Paths.join(Paths.current, "-"))
        do {
            return try CatalogFile.load(path: path)
        } catch {
            report.add(.fail, "catalog", "\(error.description); give it with --catalog")
            return nil
        }
    }
}
