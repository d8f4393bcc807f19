import MantaJSON
import MantaMarket

/// Reading checked params. The schema has already enforced types, so
/// these only convert; times accept ms or text ("2022-01-18 17:30", ISO).
extension JSONObject {
    func string(_ key: String) -> String? { self[key]?.string }
    func int(_ key: String, _ fallback: Int) -> Int { self[key]?.integer.map(Int.init) ?? fallback }
    func number(_ key: String) -> Double? { self[key]?.number }
    func bool(_ key: String) -> Bool { self[key]?.bool ?? false }

    func time(_ key: String) throws(RPCError) -> Int64? {
        guard let v = self[key] else { return nil }
        if let ms = v.integer { return ms }
        if let text = v.string, let ms = MarketTime.parse(text) { return ms }
        throw .invalidParams("\(key): not a time; give ms since the epoch or text such as \"2022-01-18 17:30\"")
    }
}

/// Schema fragments shared by the methods.
enum Schemas {
    static let time: JSON = [
        "type": ["integer", "string"],
        "description": "ms since the Unix epoch (UTC), or market-time text such as \"2022-01-18 17:30\"",
    ]
    static let limit: JSON = ["type": "integer", "minimum": 1, "maximum": 100_000, "default": 100]
    static let objectList: JSON = ["type": "array", "items": ["type": "object"]]
    static let object: JSON = ["type": "object"]

    static func params(_ properties: [(String, JSON)], required: [String] = []) -> JSON {
        var o = JSONObject([("type", "object"), ("additionalProperties", false),
                            ("properties", .object(JSONObject(properties)))])
        if !required.isEmpty { o["required"] = .array(required.map(JSON.string)) }
        return .object(o)
    }
}

/// Time as the API shows it: ms plus market-time text.
func timeFields(_ prefix: String, _ ms: Int64) -> [(String, JSON)] {
    [("\(prefix)_ms", .int(ms)), (prefix, .string(MarketTime.iso(ms)))]
}
