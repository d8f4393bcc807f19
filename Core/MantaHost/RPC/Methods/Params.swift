import MantaJSON
import MantaMarket

/// A method's params as its handler receives them: decoded with
/// `JSONValueDecoder`, after the method's schema has checked them (the
/// schema's messages and bounds) and filled its defaults.
public protocol RPCParams: Decodable, Sendable {}

/// For methods that take none (anything given is refused by the schema).
struct NoParams: RPCParams {}

/// A time param: ms since the epoch, or market-time text ("2022-01-18 17:30", ISO).
struct RPCTime: Decodable, Sendable {
    let ms: Int64

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let ms = try? c.decode(Int64.self) {
            self.ms = ms
        } else if let text = try? c.decode(String.self), let ms = MarketTime.parse(text) {
            self.ms = ms
        } else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "not a time; give ms since the epoch or text such as \"2022-01-18 17:30\"")
        }
    }
}

/// A param that is one value or an array of them.
struct OneOrMany<T: Decodable & Sendable>: Decodable, Sendable {
    let values: [T]

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(T.self) { values = [one] } else { values = try c.decode([T].self) }
    }
}

extension RPCMethod {
    /// A method answering at once, with its params decoded as `P`.
    static func sync<P: RPCParams>(_ name: String, _ summary: String, params: JSON = Schemas.params([]), result: JSON,
                                   mutating: Bool = false,
                                   _ body: @escaping @LoopActor @Sendable (P, RPCSession) throws(RPCError) -> JSON) -> RPCMethod {
        RPCMethod(name, summary, params: params, result: result, mutating: mutating, .sync { object, session throws(RPCError) in
            try body(try decodeParams(object), session)
        })
    }

    /// A method answering later (it waits on a plugin or the store), with
    /// its params decoded as `P`.
    static func async<P: RPCParams>(_ name: String, _ summary: String, params: JSON = Schemas.params([]), result: JSON,
                                    mutating: Bool = false,
                                    _ body: @escaping @LoopActor @Sendable (P, RPCSession, @escaping RPCRespond) -> Void)
        -> RPCMethod
    {
        RPCMethod(name, summary, params: params, result: result, mutating: mutating, .async { object, session, respond in
            do throws(RPCError) {
                body(try decodeParams(object), session, respond)
            } catch {
                respond(.failure(error))
            }
        })
    }
}

func decodeParams<P: RPCParams>(_ object: JSONObject) throws(RPCError) -> P {
    do {
        return try JSONValueDecoder().decode(P.self, from: .object(object))
    } catch {
        throw .invalidParams(error.description)
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
