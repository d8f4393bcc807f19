import CJansson

/// Where and why a JSON text failed to parse. Line and column are 1-based,
/// as jansson reports them; `offset` is the byte offset.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let line: Int
    public let column: Int
    public let offset: Int

    public var description: String { "line \(line), column \(column): \(message)" }
}

extension JSON {
    /// Parses one JSON value (any type at the top level). Duplicate object
    /// keys are an error: in a config they are always a mistake.
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        var copy = text
        let result = copy.withUTF8 { buf in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buf)) }
        }
        return try result.get()
    }

    /// Parses one JSON value from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSON {
        var error = json_error_t()
        let flags = JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL
        guard let root = json_loadb(
            bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, Int(flags), &error)
        else {
            let text = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw JSONParseError(
                message: text.isEmpty ? "invalid JSON" : text, line: Int(error.line),
                column: Int(error.column), offset: Int(error.position))
        }
        defer { json_decref(root) }
        return JSON(jansson: root)
    }

    /// Converts a jansson tree (borrowed) into a Swift value.
    init(jansson node: UnsafeMutablePointer<json_t>) {
        switch node.pointee.type {
        case JSON_OBJECT:
            var object = JSONObject()
            var iter = json_object_iter(node)
            while let it = iter {
                let key = String(cString: json_object_iter_key(it))
                object[key] = JSON(jansson: json_object_iter_value(it))
                iter = json_object_iter_next(node, it)
            }
            self = .object(object)
        case JSON_ARRAY:
            let n = json_array_size(node)
            var items: [JSON] = []
            items.reserveCapacity(n)
            for i in 0..<n { items.append(JSON(jansson: json_array_get(node, i))) }
            self = .array(items)
        case JSON_STRING:
            let length = json_string_length(node)
            let raw = UnsafeRawBufferPointer(start: json_string_value(node), count: length)
            self = .string(String(decoding: raw, as: UTF8.self))
        case JSON_INTEGER:
            self = .int(Int64(json_integer_value(node)))
        case JSON_REAL:
            self = .double(json_real_value(node))
        case JSON_TRUE:
            self = .bool(true)
        case JSON_FALSE:
            self = .bool(false)
        default:
            self = .null
        }
    }
}
