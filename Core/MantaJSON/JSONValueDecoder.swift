/// Decodes `Decodable` values from a `JSON` value: the typed side of
/// configs, manifests' plugin configs and RPC params, once a `JSONSchema` has
/// validated them and filled in their defaults.
///
/// The rules are fixed, with no strategies to choose from:
/// - keys are the types' own `CodingKeys` (spelled as in the JSON, usually
///   snake_case); nothing converts them;
/// - an integer type takes an integral number that fits it (`2.0` is 2;
///   `2.5`, or 300 for a `UInt8`, is an error); `Double` and `Float` take any
///   finite number (JSON has no NaN or infinity, so a value holding one is
///   refused rather than passed on);
/// - a missing key is an error unless the property is optional; `null` is
///   only an optional's "none";
/// - an enum with String raw values that is `CaseIterable` is refused with
///   its allowed values listed when the string is not one of them;
/// - members the type does not name are ignored (the schema's
///   `additionalProperties` is where unknown fields are refused).
///
/// Every error names the place in the document the way `JSONSchema`'s
/// violations do (`vpps[2].region: must be one of ...`), so an operator
/// reads one style of message whichever of the two found the problem.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// `value` as a `T`, or the first place where it does not fit.
    public func decode<T: Decodable>(_ type: T.Type = T.self, from value: JSON) throws(JSONDecodeError) -> T {
        do {
            return try DecodingValue.decode(T.self, value, at: [])
        } catch let e as JSONDecodeError {
            throw e
        } catch let e as DecodingError {
            // Thrown by a type's own init(from:) (for example a RawRepresentable
            // that is not CaseIterable): keep its message, give its path our shape.
            throw JSONDecodeError(e)
        } catch {
            throw JSONDecodeError(path: "", message: "\(error)")
        }
    }
}

/// Where a value does not fit the type it is decoded as. `path` names the
/// field as `JSONSchema.Violation` does (`devices[3].port`; empty for the
/// value as a whole).
public struct JSONDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    init(at codingPath: [any CodingKey], _ message: String) {
        self.init(path: JSONDecodeError.path(codingPath), message: message)
    }

    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(at: context.codingPath + [key], "is required")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            self.init(at: context.codingPath, context.debugDescription)
        @unknown default:
            self.init(path: "", message: "\(error)")
        }
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }

    /// `a.b[2].c` from coding keys: an array position is `[i]`, a member `.name`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if key is IndexKey || (key.intValue != nil && key.stringValue.isEmpty), let i = key.intValue {
                out += "[\(i)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }
}

/// The coding key of an array position.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// A member name as a coding key, for decoding objects whose keys are data.
struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

/// The conversions every container shares: one JSON value at one path into
/// one Swift type.
enum DecodingValue {
    static func mismatch(_ expected: String, _ value: JSON, _ path: [any CodingKey]) -> JSONDecodeError {
        JSONDecodeError(at: path, "must be \(expected), got \(value.typeName)")
    }

    static func notFinite(_ d: Double, _ path: [any CodingKey]) -> JSONDecodeError {
        JSONDecodeError(at: path, "must be a finite number (JSON has no NaN or infinity), got \(d)")
    }

    static func bool(_ value: JSON, _ path: [any CodingKey]) throws(JSONDecodeError) -> Bool {
        guard case .bool(let b) = value else { throw mismatch("boolean", value, path) }
        return b
    }

    static func string(_ value: JSON, _ path: [any CodingKey]) throws(JSONDecodeError) -> String {
        guard case .string(let s) = value else { throw mismatch("string", value, path) }
        return s
    }

    static func double(_ value: JSON, _ path: [any CodingKey]) throws(JSONDecodeError) -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d):
            guard d.isFinite else { throw notFinite(d, path) }
            return d
        default: throw mismatch("number", value, path)
        }
    }

    static func float(_ value: JSON, _ path: [any CodingKey]) throws(JSONDecodeError) -> Float {
        let d = try double(value, path)
        let f = Float(d)
        guard f.isFinite else {
            throw JSONDecodeError(at: path, "must be within ±\(Float.greatestFiniteMagnitude), got \(JSON.number(d).serialized())")
        }
        return f
    }

    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSON, _ path: [any CodingKey]) throws(JSONDecodeError) -> T {
        func outOfRange(negative: Bool, _ shown: String) -> JSONDecodeError {
            JSONDecodeError(at: path, negative ? "must be >= \(T.min), got \(shown)" : "must be <= \(T.max), got \(shown)")
        }
        switch value {
        case .int(let i):
            guard let x = T(exactly: i) else { throw outOfRange(negative: i < 0, "\(i)") }
            return x
        case .double(let d):
            guard d.isFinite else { throw notFinite(d, path) }
            let shown = JSON.number(d).serialized()
            guard d.rounded() == d else { throw JSONDecodeError(at: path, "must be integer, got \(shown)") }
            guard let x = T(exactly: d) else { throw outOfRange(negative: d < 0, shown) }
            return x
        default:
            throw mismatch("integer", value, path)
        }
    }

    /// Any Decodable: a string enum is checked against its cases first, so
    /// the error can list them; everything else decodes itself.
    static func decode<T: Decodable>(_ type: T.Type, _ value: JSON, at path: [any CodingKey]) throws -> T {
        if case .string(let s) = value, let allowed = allowedRawValues(T.self), !allowed.contains(s) {
            let list = allowed.map { JSON.string($0).serialized() }.joined(separator: ", ")
            throw JSONDecodeError(at: path, "must be one of \(list), got \(value.serialized())")
        }
        return try T(from: ValueDecoder(value: value, codingPath: path))
    }

    /// The raw values of a CaseIterable enum with String raw values, else nil.
    static func allowedRawValues<T>(_ type: T.Type) -> [String]? {
        guard let cases = type as? any (CaseIterable & RawRepresentable).Type else { return nil }
        return rawStrings(cases)
    }

    private static func rawStrings<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> [String]? {
        let raws = E.allCases.compactMap { $0.rawValue as? String }
        return raws.isEmpty ? nil : raws
    }
}

/// The Decoder handed to a type's init(from:): one value and where it is.
struct ValueDecoder: Decoder {
    let value: JSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw DecodingValue.mismatch("object", value, codingPath) }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw DecodingValue.mismatch("array", value, codingPath) }
        return UnkeyedContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(value: value, codingPath: codingPath)
    }
}
