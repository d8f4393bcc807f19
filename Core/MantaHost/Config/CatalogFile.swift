import Glibc
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
        var dir = Paths.directory(of: Paths.absolute(start))
        while true {
            let candidate = Paths.join(dir, "registry/\(file)")
            if FileSystem.exists(candidate) { return candidate }
            if dir == "/" || dir == "." { return nil }
            dir = Paths.directory(of: dir)
        }
    }

    /// The running executable, from /proc/self/exe.
    static var executable: String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    /// Reads `path`, or the catalog found upward from `near` (default: the
    /// current folder), or else upward from the executable (so a mantad
    /// built in a checkout finds its registry wherever its config is).
    public static func load(path: String? = nil, near: String? = nil) throws(Missing) -> PointCatalog {
        guard let file = path ?? find(near: near ?? Paths.join(Paths.current, "-")) ?? executable.flatMap({ find(near: $0) }) else {
            throw Missing(description: "registry/catalog/points.json not found above \(near ?? Paths.current)")
        }
        do {
            return try PointCatalog(json: try JSON.parse(try FileSystem.readText(file)))
        } catch {
            throw Missing(description: "\(file): \(error)")
        }
    }
}
