import MantaIO
import MantaJSON

/// A plugin's sidecar manifest: everything the host needs to know before
/// loading any of its code.
///
///     {"manifest_version": 1, "id": "manta.sim", "version": "0.1.0",
///      "kind": "driver", "vendor": "...", "license": "Apache-2.0",
///      "abi": {"major": 1, "minor": 0}, "library": "libmanta_sim.so",
///      "config_schema": {...}, "check_config": {...}}
public struct Manifest: Sendable {
    public let id: String
    public let version: String
    public let kind: PluginKind
    public let name: String
    public let description: String
    public let vendor: String
    public let license: String
    public let abiMajor: UInt32
    public let abiMinor: UInt32
    /// File name (or path relative to the manifest) of the shared library.
    public let library: String
    public let configSchema: JSONSchema
    /// A config `manta plugin check` may create the plugin with, when the
    /// schema's defaults alone are not a valid config.
    public let checkConfig: JSON?
    /// Where the manifest was read from.
    public let path: String
    public let raw: JSON

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "manifest \(path): \(message)" }
    }

    public static func load(_ path: String) throws(Invalid) -> Manifest {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw Invalid(path: path, message: error.reason) }
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw Invalid(path: path, message: "not JSON: \(error)") }
        return try Manifest(json, path: path)
    }

    public init(_ json: JSON, path: String) throws(Invalid) {
        func field(_ key: String) throws(Invalid) -> String {
            guard let v = json[key]?.string, !v.isEmpty else {
                throw Invalid(path: path, message: "\(key): required, a non-empty string")
            }
            return v
        }
        guard json["manifest_version"]?.integer == 1 else {
            throw Invalid(path: path, message: "manifest_version: must be 1")
        }
        id = try field("id")
        version = try field("version")
        let kindName = try field("kind")
        guard let k = PluginKind(rawValue: kindName) else {
            throw Invalid(path: path, message: "kind: must be driver, strategy or market, not \(kindName)")
        }
        kind = k
        name = json["name"]?.string ?? id
        description = json["description"]?.string ?? ""
        vendor = try field("vendor")
        license = try field("license")
        guard let major = json["abi"]?["major"]?.integer, let minor = json["abi"]?["minor"]?.integer,
              major >= 0, minor >= 0
        else { throw Invalid(path: path, message: "abi: must be {\"major\": N, \"minor\": N}") }
        abiMajor = UInt32(major)
        abiMinor = UInt32(minor)
        library = try field("library")
        do {
            configSchema = try JSONSchema(json["config_schema"] ?? ["type": "object"])
        } catch {
            throw Invalid(path: path, message: "config_schema: \(error)")
        }
        checkConfig = json["check_config"]
        self.path = path
        raw = json
    }

    /// The folder the manifest lives in: relative paths in it start here.
    public var directory: String { Paths.directory(of: path) }
}
