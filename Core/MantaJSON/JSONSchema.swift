/// A JSON Schema (draft 2020-12 keywords, a deliberate subset) for plugin
/// configurations.
///
/// Supported: `type` (a name or a list), `properties`, `required`,
/// `additionalProperties` (boolean or schema), `items`, `enum`, `const`,
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`,
/// `maxLength`, `minItems`, `maxItems`, `default`; annotations (`title`,
/// `description`, `examples`, `$schema`, `$id`, `$comment`, `format`, `x-*`)
/// are accepted and ignored. A schema using any other keyword is refused when
/// it is loaded: silently ignoring a constraint is worse than not loading.
public struct JSONSchema: Sendable, Equatable {
    public let root: JSON

    /// One way a value fails the schema. `path` names the field the way an
    /// operator writes it: `battery.capacity_wh`, `devices[3].port`; empty
    /// for the value as a whole.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    public struct InvalidSchema: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "schema \(path.isEmpty ? "(root)" : path): \(message)" }
    }

    static let constraintKeywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
        "minItems", "maxItems", "default",
    ]
    static let annotationKeywords: Set<String> = [
        "title", "description", "examples", "$schema", "$id", "$comment", "format",
    ]
    static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    public init(_ root: JSON) throws(InvalidSchema) {
        try JSONSchema.check(root, path: "")
        self.root = root
    }

    /// Every violation of the schema by `value`, in document order.
    public func validate(_ value: JSON) -> [Violation] {
        var out: [Violation] = []
        JSONSchema.validate(value, against: root, path: "", into: &out)
        return out
    }

    /// `value` with the schema's `default`s filled in wherever a property is
    /// missing, recursively through objects and arrays.
    public func applyingDefaults(to value: JSON) -> JSON {
        JSONSchema.fill(value, schema: root)
    }

    /// `value` with every string whose schema says `"format": "path"`
    /// passed through `resolve` (e.g. made absolute against the folder of
    /// the file the value came from).
    public func resolvingPaths(in value: JSON, _ resolve: (String) -> String) -> JSON {
        JSONSchema.mapPaths(value, schema: root, resolve)
    }

    private static func mapPaths(_ value: JSON, schema: JSON, _ resolve: (String) -> String) -> JSON {
        guard let s = schema.object else { return value }
        switch value {
        case .string(let text) where s["format"]?.string == "path":
            return .string(resolve(text))
        case .array(let items):
            guard let itemSchema = s["items"] else { return value }
            return .array(items.map { mapPaths($0, schema: itemSchema, resolve) })
        case .object(var object):
            for (name, sub) in (s["properties"]?.object ?? JSONObject()).members {
                if let member = object[name] { object[name] = mapPaths(member, schema: sub, resolve) }
            }
            return .object(object)
        default:
            return value
        }
    }

    // MARK: checking the schema itself

    private static func check(_ schema: JSON, path: String) throws(InvalidSchema) {
        if schema.bool != nil { return }  // `true` / `false` are schemas
        guard let object = schema.object else {
            throw InvalidSchema(path: path, message: "a schema must be an object or a boolean")
        }
        for (key, value) in object.members {
            let here = path.isEmpty ? key : "\(path).\(key)"
            if annotationKeywords.contains(key) || key.hasPrefix("x-") { continue }
            guard constraintKeywords.contains(key) else {
                throw InvalidSchema(path: here, message: "unsupported keyword '\(key)'")
            }
            switch key {
            case "type":
                let names = value.array?.compactMap(\.string) ?? value.string.map { [$0] } ?? []
                guard !names.isEmpty, names.allSatisfy(typeNames.contains) else {
                    throw InvalidSchema(path: here, message: "must name JSON types")
                }
            case "properties":
                guard let props = value.object else {
                    throw InvalidSchema(path: here, message: "must be an object")
                }
                for (name, sub) in props.members { try check(sub, path: "\(here).\(name)") }
            case "additionalProperties", "items":
                try check(value, path: here)
            case "required":
                guard let names = value.array, names.allSatisfy({ $0.string != nil }) else {
                    throw InvalidSchema(path: here, message: "must be an array of strings")
                }
            case "enum":
                guard value.array != nil else { throw InvalidSchema(path: here, message: "must be an array") }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard value.number != nil else { throw InvalidSchema(path: here, message: "must be a number") }
            case "minLength", "maxLength", "minItems", "maxItems":
                guard let n = value.integer, n >= 0 else {
                    throw InvalidSchema(path: here, message: "must be a non-negative integer")
                }
            default: break
            }
        }
    }

    // MARK: validating a value

    private static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    private static func matchesType(_ value: JSON, _ name: String) -> Bool {
        switch name {
        case "integer": return value.integer != nil
        case "number": return value.number != nil
        default: return value.typeName == name
        }
    }

    private static func validate(_ value: JSON, against schema: JSON, path: String, into out: inout [Violation]) {
        if let allowed = schema.bool {
            if !allowed { out.append(Violation(path: path, message: "is not allowed here")) }
            return
        }
        guard let s = schema.object else { return }
        if let type = s["type"] {
            let names = type.array?.compactMap(\.string) ?? [type.string ?? ""]
            guard names.contains(where: { matchesType(value, $0) }) else {
                out.append(Violation(path: path, message: "must be \(names.joined(separator: " or ")), got \(value.typeName)"))
                return  // further checks would only repeat the type error
            }
        }
        if let options = s["enum"]?.array, !options.contains(value) {
            let list = options.map { $0.serialized() }.joined(separator: ", ")
            out.append(Violation(path: path, message: "must be one of \(list), got \(value.serialized())"))
        }
        if let expected = s["const"], expected != value {
            out.append(Violation(path: path, message: "must be \(expected.serialized())"))
        }
        if let x = value.number { checkBounds(x, s, path, &out) }
        if let text = value.string {
            let n = text.unicodeScalars.count
            if let min = s["minLength"]?.integer, n < min {
                out.append(Violation(path: path, message: "must be at least \(min) characters long"))
            }
            if let max = s["maxLength"]?.integer, n > max {
                out.append(Violation(path: path, message: "must be at most \(max) characters long"))
            }
        }
        if let items = value.array {
            if let min = s["minItems"]?.integer, items.count < min {
                out.append(Violation(path: path, message: "must have at least \(min) items"))
            }
            if let max = s["maxItems"]?.integer, items.count > max {
                out.append(Violation(path: path, message: "must have at most \(max) items"))
            }
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() {
                    validate(item, against: itemSchema, path: "\(path)[\(i)]", into: &out)
                }
            }
        }
        if let object = value.object { validateObject(object, s, path, &out) }
    }

    private static func checkBounds(_ x: Double, _ s: JSONObject, _ path: String, _ out: inout [Violation]) {
        let shown = JSON.number(x).serialized()
        if let min = s["minimum"]?.number, x < min {
            out.append(Violation(path: path, message: "must be >= \(JSON.number(min)), got \(shown)"))
        }
        if let max = s["maximum"]?.number, x > max {
            out.append(Violation(path: path, message: "must be <= \(JSON.number(max)), got \(shown)"))
        }
        if let min = s["exclusiveMinimum"]?.number, x <= min {
            out.append(Violation(path: path, message: "must be > \(JSON.number(min)), got \(shown)"))
        }
        if let max = s["exclusiveMaximum"]?.number, x >= max {
            out.append(Violation(path: path, message: "must be < \(JSON.number(max)), got \(shown)"))
        }
    }

    private static func validateObject(_ object: JSONObject, _ s: JSONObject, _ path: String, _ out: inout [Violation]) {
        let properties = s["properties"]?.object ?? JSONObject()
        for name in s["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
            out.append(Violation(path: join(path, name), message: "is required"))
        }
        for (key, member) in object.members {
            if let sub = properties[key] {
                validate(member, against: sub, path: join(path, key), into: &out)
            } else if let extra = s["additionalProperties"] {
                if extra.bool == false {
                    let known = properties.keys.joined(separator: ", ")
                    out.append(Violation(path: join(path, key), message: "unknown field (expected one of: \(known))"))
                } else {
                    validate(member, against: extra, path: join(path, key), into: &out)
                }
            }
        }
    }

    // MARK: defaults

    private static func fill(_ value: JSON, schema: JSON) -> JSON {
        guard let s = schema.object else { return value }
        switch value {
        case .object(var object):
            for (name, sub) in (s["properties"]?.object ?? JSONObject()).members {
                if let member = object[name] {
                    object[name] = fill(member, schema: sub)
                } else if let d = sub["default"] {
                    object[name] = fill(d, schema: sub)
                }
            }
            return .object(object)
        case .array(let items):
            guard let itemSchema = s["items"] else { return value }
            return .array(items.map { fill($0, schema: itemSchema) })
        default:
            return value
        }
    }
}
