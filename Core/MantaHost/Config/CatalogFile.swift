import MantaIO
import MantaJSON
import MantaModel

/// Finds and reads the point catalog, registry/catalog/points.json.
public enum CatalogFile {
    public struct Missing: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `registry/<file>` in the folder of `start` or any folder above it.
    public static func find(_ file: String = "catalog/points.json", near start: String) -> String? {
        Paths.findUpward("registry/\(file)", from: start)
    }

    /// Reads `path`, or the catalog found upward from `near` (default: the
    /// current folder), or else upward from the executable (so a mantad
    /// built in a checkout finds its registry wherever its config is).
    public static func load(path: String? = nil, near: String? = nil) throws(Missing) -> PointCatalog {
        guard let file = path ?? near.flatMap({ find(near: $0) }) ?? Paths.findRegistry("registry/catalog/points.json") else {
            throw Missing(description: "registry/catalog/points.json not found above \(near ?? Paths.current)")
        }
        do {
            return try PointCatalog(json: try JSON.parse(try FileSystem.readText(file)))
        } catch {
            throw Missing(description: "\(file): \(error)")
        }
    }
}
