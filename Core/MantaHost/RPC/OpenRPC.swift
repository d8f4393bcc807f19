import MantaJSON

/// The OpenRPC document (spec 1.2.6) that rpc.discover returns, built from
/// the registered methods so it cannot drift from what the server does.
enum OpenRPC {
    static func document(_ methods: [RPCMethod], version: String) -> JSON {
        let list: [JSON] = methods.map { m in
            let props = m.params.root["properties"]?.object ?? JSONObject()
            let required = Set(m.params.root["required"]?.array?.compactMap(\.string) ?? [])
            let params: [JSON] = props.members.map { name, schema in
                var d = JSONObject([("name", .string(name)), ("required", .bool(required.contains(name)))])
                if let text = schema["description"]?.string { d["description"] = .string(text) }
                d["schema"] = schema
                return .object(d)
            }
            var entry = JSONObject([
                ("name", .string(m.name)), ("summary", .string(m.summary)), ("paramStructure", "either"),
                ("params", .array(params)), ("result", ["name": .string("\(m.name).result"), "schema": m.result]),
            ])
            entry["x-role"] = .string(m.role.rawValue)
            if m.mutating {
                entry["description"] = .string("Changes state: needs a token with the \(m.role.rawValue) role (auth.login, or a Bearer header over HTTP) when tokens are configured, and is recorded in the audit log.")
                entry["x-mutating"] = true
            }
            return .object(entry)
        }
        return [
            "openrpc": "1.2.6",
            "info": [
                "title": "Manta VPP host API",
                "version": .string(version),
                "description": "JSON-RPC 2.0: one message per line over TCP, POST /rpc over HTTP, one message per frame over the WebSocket /ws. Times are ms since the Unix epoch (UTC); interval times are interval ENDs; power in W (+ = export/discharge), prices in AUD/MWh.",
            ],
            "methods": .array(list),
        ]
    }
}
