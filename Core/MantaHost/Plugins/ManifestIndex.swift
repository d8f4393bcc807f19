import MantaIO

/// Finds manifests under plugin folders and the libraries they name.
///
/// A plugin folder holds plugins one or two levels down
/// (`Plugins/drivers/sim/manifest.json` or `plugins/sim/manifest.json`).
/// A manifest's library is looked for beside the manifest first, then in
/// each library folder in order, so a source tree can point at its build
/// output.
public struct ManifestIndex: Sendable {
    public private(set) var manifests: [Manifest] = []
    /// Manifests that could not be read, with the reason.
    public private(set) var problems: [String] = []
    public let libraryDirs: [String]

    public init(pluginDirs: [String], libraryDirs: [String]) {
        self.libraryDirs = libraryDirs
        for dir in pluginDirs { scan(dir, depth: 0) }
    }

    private mutating func scan(_ dir: String, depth: Int) {
        let direct = Paths.join(dir, "manifest.json")
        if FileSystem.exists(direct) {
            do throws(Manifest.Invalid) { manifests.append(try Manifest.load(direct)) } catch { problems.append(error.description) }
            return
        }
        guard depth < 2, let names = try? FileSystem.list(dir) else { return }
        for name in names where !name.hasPrefix(".") {
            let sub = Paths.join(dir, name)
            if FileSystem.isDirectory(sub) { scan(sub, depth: depth + 1) }
        }
    }

    public func manifest(id: String) -> Manifest? { manifests.first { $0.id == id } }

    /// The manifest naming `libraryFile` (by file name) as its library.
    public func manifest(forLibrary libraryFile: String) -> Manifest? {
        let name = Paths.basename(libraryFile)
        return manifests.first { Paths.basename($0.library) == name }
    }

    /// The library file for `m`, or the places searched.
    public func libraryPath(for m: Manifest) -> Result<String, FileError> {
        var tried: [String] = []
        for dir in [m.directory] + libraryDirs {
            let candidate = Paths.resolve(m.library, against: dir)
            if FileSystem.exists(candidate) { return .success(candidate) }
            tried.append(candidate)
        }
        return .failure(FileError(m.library, "not found; looked in \(tried.joined(separator: ", "))"))
    }
}
