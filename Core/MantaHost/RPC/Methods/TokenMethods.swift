import MantaJSON

/// tokens.create, tokens.revoke, tokens.list: API tokens managed by an admin
/// while the host runs (the config's api.tokens stay as they are).
@LoopActor
struct TokenMethods {
    let tokens: TokenBook

    var methods: [RPCMethod] {
        let tokens = self.tokens
        let name: JSON = ["type": "string", "minLength": 1, "maxLength": 64, "description": "letters, digits, '.', '_', '-'"]
        return [
            .sync("tokens.create",
                  "Issues an API token with a role; the answer holds the token, shown this once (the host keeps its SHA-256). Only on a host whose config has api.tokens (one without trusts its own machine).",
                  params: Schemas.params([("name", name), ("role", ["enum": .array(RPCRole.allCases.map { .string($0.rawValue) })])],
                                         required: ["name", "role"]),
                  result: Schemas.object, mutating: true) { (p: Create, session) throws(RPCError) in
                guard let role = RPCRole(rawValue: p.role) else { throw .invalidParams("role: viewer, operator or admin") }
                let secret = try tokens.create(name: p.name, role: role, by: VPPMethods.principal(session))
                return ["name": .string(p.name), "role": .string(role.rawValue), "token": .string(secret)]
            },
            .sync("tokens.revoke", "Revokes an issued token: it no longer logs in, and sessions logged in with it lose their rights at their next call.",
                  params: Schemas.params([("name", name)], required: ["name"]),
                  result: Schemas.object, mutating: true) { (p: Revoke, _) throws(RPCError) in
                try tokens.revoke(p.name)
                return ["name": .string(p.name), "revoked": true]
            },
            // Gated and audited like a change: who read the list of tokens is on record.
            .sync("tokens.list", "Every token the host accepts: name, role and source (config or api), never the token. Admin only, and audited.",
                  result: Schemas.objectList, mutating: true) { (_: NoParams, _) in
                .array(tokens.listing.map { t in
                    .object(JSONObject([("name", .string(t.name)), ("role", .string(t.role.rawValue)), ("source", .string(t.source)),
                                        ("created_ms", t.createdMs.map(JSON.int) ?? .null), ("created_by", .optional(t.createdBy))]))
                })
            },
        ]
    }

    struct Create: RPCParams {
        var name: String
        var role: String
    }

    struct Revoke: RPCParams {
        var name: String
    }
}
