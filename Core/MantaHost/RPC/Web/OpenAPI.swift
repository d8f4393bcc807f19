import MantaJSON

/// The OpenAPI 3.1 document served at `GET /openapi.json`, built from the
/// registered methods (as rpc.discover's OpenRPC document is), for
/// integrators whose tooling speaks REST: each method is also the route
/// `POST /rpc/<method>`, whose body is its params object and whose 200
/// answer is its result.
enum OpenAPI {
    /// The HTTP status of a JSON-RPC error on a `/rpc/<method>` route.
    static func status(ofError code: Int) -> Int32 {
        switch code {
        case -32700, -32600, -32602: return 400
        case -32001: return 401
        case -32601, -32002: return 404
        case -32003: return 503
        case -32004: return 429
        case -32005: return 413
        default: return 500
        }
    }

    static let error: JSON = [
        "type": "object", "required": ["error"],
        "properties": ["error": [
            "type": "object", "required": ["code", "message"],
            "properties": ["code": ["type": "integer"], "message": ["type": "string"], "data": [:]],
        ]],
    ]

    static func document(_ methods: [RPCMethod], version: String) -> JSON {
        var paths: [(String, JSON)] = methods.map { m in
            var operation = JSONObject([
                ("operationId", .string(String(m.name.map { $0 == "." ? "_" : $0 }))),
                ("summary", .string(m.summary)),
                ("tags", .array([.string(String(m.name.prefix { $0 != "." }))])),
                ("x-role", .string(m.role.rawValue)),
                ("requestBody", ["required": false, "content": ["application/json": ["schema": m.params.root]]]),
                ("responses", [
                    "200": ["description": "the method's result", "content": ["application/json": ["schema": m.result]]],
                    "default": ["description": "the JSON-RPC error (400 params, 401 authorisation, 404 not found, 503 unavailable)",
                                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
                ]),
            ])
            if m.mutating { operation["security"] = [["bearer": []]] }
            return ("/rpc/\(m.name)", ["post": .object(operation)])
        }
        paths.append(("/rpc", ["post": [
            "operationId": "jsonrpc", "summary": "Any JSON-RPC 2.0 message: a call, a notification or a batch of them.",
            "requestBody": ["required": true, "content": ["application/json": ["schema": ["type": ["object", "array"]]]]],
            "responses": [
                "200": ["description": "the JSON-RPC response (errors included)", "content": ["application/json": ["schema": ["type": ["object", "array"]]]]],
                "204": ["description": "the message held notifications only"],
            ],
        ]]))
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Manta VPP host API",
                "version": .string(version),
                "description": "The host's JSON-RPC methods as routes: POST /rpc/<method> with the params object as its body. Times are ms since the Unix epoch (UTC); interval times are interval ENDs; power in W (+ = export/discharge), prices in AUD/MWh.",
            ],
            "paths": .object(JSONObject(paths)),
            "components": [
                "schemas": ["Error": error],
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "description": "an API token (api.tokens); its role decides what it may call"]],
            ],
        ]
    }
}
