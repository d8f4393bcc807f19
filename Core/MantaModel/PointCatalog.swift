import MantaABI
import MantaJSON

/// The unified point catalog: every measurement a driver may publish.
///
/// Loaded from registry/catalog/points.json by whoever does I/O (the host,
/// a test); this type only interprets the parsed document.
public struct PointCatalog: Sendable {
    public private(set) var points: [PointDefinition] = []
    private var byName: [String: Int] = [:]
    private var byID: [UInt32: Int] = [:]

    public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { "point catalog: \(message)" }
    }

    public init(points: [PointDefinition]) throws(LoadError) {
        for p in points { try add(p) }
    }

    /// Reads the catalog document: `{"version": 1, "points": [{...}, ...]}`.
    public init(json: JSON) throws(LoadError) {
        guard let list = json["points"]?.array else { throw LoadError(message: "missing \"points\" array") }
        for (i, entry) in list.enumerated() {
            try add(try PointCatalog.definition(entry, at: i))
        }
    }

    public subscript(name: String) -> PointDefinition? { byName[name].map { points[$0] } }
    public subscript(id: UInt32) -> PointDefinition? { byID[id].map { points[$0] } }

    private mutating func add(_ p: PointDefinition) throws(LoadError) {
        guard p.id > 0 else { throw LoadError(message: "\(p.name): id must be > 0") }
        if let other = byID[p.id] {
            throw LoadError(message: "id \(p.id) used by both \(points[other].name) and \(p.name)")
        }
        if byName[p.name] != nil { throw LoadError(message: "name \(p.name) appears twice") }
        byName[p.name] = points.count
        byID[p.id] = points.count
        points.append(p)
    }

    private static func definition(_ entry: JSON, at index: Int) throws(LoadError) -> PointDefinition {
        let at = "points[\(index)]"
        guard let id = entry["id"]?.integer, id > 0, id <= Int64(UInt32.max) else {
            throw LoadError(message: "\(at).id: must be a positive integer")
        }
        guard let name = entry["name"]?.string, !name.isEmpty else {
            throw LoadError(message: "\(at).name: must be a non-empty string")
        }
        guard let unit = entry["unit"]?.string else { throw LoadError(message: "\(at).unit: missing (\(name))") }
        var kinds: Set<DeviceKind>?
        if let names = entry["kinds"]?.array {
            kinds = []
            for n in names {
                guard let kind = n.string.flatMap(DeviceKind.init(name:)) else {
                    throw LoadError(message: "\(at).kinds: unknown device kind \(n) (\(name))")
                }
                kinds!.insert(kind)
            }
        }
        let type: PointType
        switch entry["type"]?.string ?? "float" {
        case "float": type = .float
        case "counter": type = .counter
        case "enum":
            guard let values = entry["values"]?.object, !values.isEmpty else {
                throw LoadError(message: "\(at).values: an enum point needs {\"code\": \"name\", ...} (\(name))")
            }
            var codes: [Int: String] = [:]
            for (code, label) in values.members {
                guard let c = Int(code), let l = label.string else {
                    throw LoadError(message: "\(at).values.\(code): codes are integers and names strings (\(name))")
                }
                codes[c] = l
            }
            type = .enumeration(codes)
        case let other:
            throw LoadError(message: "\(at).type: \(other) is not float, counter or enum (\(name))")
        }
        return PointDefinition(
            id: UInt32(id), name: name, unit: unit, type: type, description: entry["description"]?.string ?? "",
            sunspec: entry["sunspec"]?.array?.compactMap(\.string) ?? [], kinds: kinds,
            min: entry["min"]?.number ?? (type == .counter ? 0 : nil), max: entry["max"]?.number,
            ratingFactor: entry["rating_factor"]?.number)
    }
}
