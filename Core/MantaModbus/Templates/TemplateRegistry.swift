import MantaIO
import MantaJSON

/// Every device template in a folder (registry/devices/), by id.
public struct TemplateRegistry: Sendable {
    public let templates: [DeviceTemplate]
    public let directory: String

    /// Loads `*.json` in `directory`. One bad file refuses the lot, naming
    /// the file and the field: a registry is data every host relies on.
    public static func load(directory: String) throws(TemplateError) -> TemplateRegistry {
        let names: [String]
        do { names = try FileSystem.list(directory).filter { $0.hasSuffix(".json") }.sorted() } catch {
            throw TemplateError("\(directory): \(error)")
        }
        var out: [DeviceTemplate] = []
        for name in names {
            let path = Paths.join(directory, name)
            let json: JSON
            do { json = try JSON.parse(try FileSystem.readText(path)) } catch { throw TemplateError("\(path): \(error)") }
            out.append(try DeviceTemplate(json: json, file: path))
        }
        return TemplateRegistry(templates: out, directory: directory)
    }

    public func template(_ id: String) -> DeviceTemplate? { templates.first { $0.id == id } }

    /// The SunSpec-based vendor profile for a manufacturer, if there is one.
    public func sunspecProfile(manufacturer: String) -> DeviceTemplate? {
        templates.first { t in
            t.protocol == .sunspec && t.identify.sunspecManufacturer.map { manufacturer.lowercased().hasPrefix($0.lowercased()) } == true
        }
    }
}
