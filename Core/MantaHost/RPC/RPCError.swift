import MantaJSON

/// A JSON-RPC 2.0 error object. The -32xxx codes are the spec's; -32001 to
/// -32004 are Manta's, inside the range the spec leaves to servers.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSON?

    public init(_ code: Int, _ message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603

    public static func parseError(_ detail: String) -> RPCError { RPCError(parseErrorCode, "Parse error: \(detail)") }
    public static func invalidRequest(_ detail: String) -> RPCError { RPCError(invalidRequestCode, "Invalid Request: \(detail)") }
    public static func methodNotFound(_ name: String) -> RPCError {
        RPCError(methodNotFoundCode, "Method not found: \(name) (rpc.discover lists every method)")
    }
    public static func invalidParams(_ detail: String, data: JSON? = nil) -> RPCError {
        RPCError(invalidParamsCode, "Invalid params: \(detail)", data: data)
    }
    public static func internalError(_ detail: String) -> RPCError { RPCError(internalErrorCode, "Internal error: \(detail)") }

    /// The caller may not make this state-changing call.
    public static func unauthorized(_ detail: String) -> RPCError { RPCError(-32001, "Unauthorized: \(detail)") }
    /// A named thing (device, VPP, instance) does not exist.
    public static func notFound(_ detail: String) -> RPCError { RPCError(-32002, "Not found: \(detail)") }
    /// The thing exists but cannot serve now (a plugin not running).
    public static func unavailable(_ detail: String) -> RPCError { RPCError(-32003, "Unavailable: \(detail)") }
    /// (-32004 is "too many connections".) The answer would be larger than
    /// the connection may be sent.
    public static func tooLarge(_ detail: String) -> RPCError { RPCError(-32005, "Too large: \(detail)") }

    var json: JSON {
        var o = JSONObject([("code", .int(Int64(code))), ("message", .string(message))])
        if let data { o["data"] = data }
        return .object(o)
    }

    public var description: String { "\(code) \(message)" }
}

/// JSON-RPC 2.0 envelopes.
enum RPCEnvelope {
    /// A response object; `id` is echoed exactly (string, number or null).
    static func response(id: JSON, _ result: Result<JSON, RPCError>) -> JSON {
        var o = JSONObject([("jsonrpc", "2.0")])
        switch result {
        case .success(let value): o["result"] = value
        case .failure(let error): o["error"] = error.json
        }
        o["id"] = id
        return .object(o)
    }

    /// A checked request. `id` nil means a notification: no response.
    struct Request {
        var method: String
        var params: JSON?
        var id: JSON?
    }

    /// Checks the request object's shape. On failure also returns the id to
    /// answer with, when one could be read (the spec says null otherwise).
    /// A malformed request, and the id to answer it with.
    struct Malformed: Error {
        var error: RPCError
        var id: JSON
        init(_ error: RPCError, _ id: JSON) {
            self.error = error
            self.id = id
        }
    }

    static func parse(_ value: JSON) -> Result<Request, Malformed> {
        guard let o = value.object else { return .failure(Malformed(.invalidRequest("a request must be an object"), .null)) }
        var id: JSON? = o["id"]
        if let i = id {
            switch i {
            case .string, .int, .double, .null: break
            default:
                return .failure(Malformed(.invalidRequest("id must be a string, a number or null"), .null))
            }
        }
        let replyID = id ?? .null
        guard o["jsonrpc"] == .string("2.0") else {
            return .failure(Malformed(.invalidRequest("\"jsonrpc\" must be exactly \"2.0\""), replyID))
        }
        guard let method = o["method"]?.string else {
            return .failure(Malformed(.invalidRequest("\"method\" must be a string"), replyID))
        }
        if let p = o["params"], p.object == nil, p.array == nil {
            return .failure(Malformed(.invalidRequest("\"params\" must be an object or an array"), replyID))
        }
        for key in o.keys where !["jsonrpc", "method", "params", "id"].contains(key) {
            return .failure(Malformed(.invalidRequest("unexpected member \"\(key)\""), replyID))
        }
        if o["id"] == nil { id = nil }
        return .success(Request(method: method, params: o["params"], id: id))
    }
}
