// The three containers of JSONValueDecoder. Every typed overload hands on
// to DecodingValue, so the rules (ranges, finiteness, messages) live once.

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func member(_ key: Key) throws(JSONDecodeError) -> (JSON, [any CodingKey]) {
        let path = codingPath + [key]
        guard let value = object[key.stringValue] else { throw JSONDecodeError(at: path, "is required") }
        return (value, path)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key).0.isNull }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        let (v, p) = try member(key)
        return try DecodingValue.bool(v, p)
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        let (v, p) = try member(key)
        return try DecodingValue.string(v, p)
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        let (v, p) = try member(key)
        return try DecodingValue.double(v, p)
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        let (v, p) = try member(key)
        return try DecodingValue.float(v, p)
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
        let (v, p) = try member(key)
        return try DecodingValue.integer(T.self, v, p)
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let (v, p) = try member(key)
        return try DecodingValue.decode(T.self, v, at: p)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let (v, p) = try member(key)
        return try ValueDecoder(value: v, codingPath: p).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let (v, p) = try member(key)
        return try ValueDecoder(value: v, codingPath: p).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: object["super"] ?? .null, codingPath: codingPath + [NameKey("super")])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSON]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(items: [JSON], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    /// The next item and its path, moving past it.
    private mutating func next() throws(JSONDecodeError) -> (JSON, [any CodingKey]) {
        let path = codingPath + [IndexKey(currentIndex)]
        guard !isAtEnd else { throw JSONDecodeError(at: path, "is required (the array has \(items.count) items)") }
        defer { currentIndex += 1 }
        return (items[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { _ = try next(); return false }
        guard items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        let (v, p) = try next()
        return try DecodingValue.bool(v, p)
    }

    mutating func decode(_ type: String.Type) throws -> String {
        let (v, p) = try next()
        return try DecodingValue.string(v, p)
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        let (v, p) = try next()
        return try DecodingValue.double(v, p)
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        let (v, p) = try next()
        return try DecodingValue.float(v, p)
    }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let (v, p) = try next()
        return try DecodingValue.integer(T.self, v, p)
    }

    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, p) = try next()
        return try DecodingValue.decode(T.self, v, at: p)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let (v, p) = try next()
        return try ValueDecoder(value: v, codingPath: p).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, p) = try next()
        return try ValueDecoder(value: v, codingPath: p).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (v, p) = try next()
        return ValueDecoder(value: v, codingPath: p)
    }
}

struct SingleValueContainer: SingleValueDecodingContainer {
    let value: JSON
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try DecodingValue.bool(value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try DecodingValue.string(value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try DecodingValue.double(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try DecodingValue.float(value, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try DecodingValue.integer(type, value, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try DecodingValue.integer(type, value, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try DecodingValue.decode(T.self, value, at: codingPath) }
}

extension JSON: Decodable {
    /// From JSONValueDecoder, the value itself (integers stay integers, key
    /// order survives); from any other decoder, rebuilt through its containers.
    public init(from decoder: any Decoder) throws {
        if let ours = decoder as? ValueDecoder {
            self = ours.value
            return
        }
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() { self = .null; return }
            if let b = try? single.decode(Bool.self) { self = .bool(b); return }
            if let i = try? single.decode(Int64.self) { self = .int(i); return }
            if let d = try? single.decode(Double.self) { self = .double(d); return }
            if let s = try? single.decode(String.self) { self = .string(s); return }
        }
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSON] = []
            while !list.isAtEnd { items.append(try list.decode(JSON.self)) }
            self = .array(items)
            return
        }
        let object = try decoder.container(keyedBy: NameKey.self)
        var members: [(String, JSON)] = []
        for key in object.allKeys { members.append((key.stringValue, try object.decode(JSON.self, forKey: key))) }
        self = .object(JSONObject(members))
    }
}
