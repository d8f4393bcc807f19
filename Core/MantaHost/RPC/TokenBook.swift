import MantaIO
import MantaJSON

/// The API tokens the host accepts: those of the config (api.tokens, fixed
/// while it runs) and those an admin issues through the API (tokens.create),
/// kept in the store by name, SHA-256 and role and revocable (tokens.revoke).
/// Only digests are held; a token issued here is shown once, to its issuer.
@LoopActor
final class TokenBook {
    struct Issued: Sendable {
        var token: APIToken
        var createdMs: Int64
        var createdBy: String
    }

    /// Tokens the API may issue in all.
    static let maxIssued = 1000

    let configured: [APIToken]
    private(set) var issued: [String: Issued] = [:]
    /// Names revoked since the host started: not issued again while it runs,
    /// since sessions are known by name and one logged in with the revoked
    /// token would otherwise take the new token's rights.
    private var revoked: Set<String> = []
    private let store: StorePipeline?

    init(configured: [APIToken], store: StorePipeline?) {
        self.configured = configured
        self.store = store
    }

    /// No token in the config: the host trusts its own machine (RPCDispatcher),
    /// and issues none (a token would open nothing its own machine cannot).
    var isEmpty: Bool { configured.isEmpty }

    /// The token whose SHA-256 is `digest`.
    func find(digest: [UInt8]) -> APIToken? {
        configured.first { TokenHash.equal($0.sha256, digest) } ?? issued.values.first { TokenHash.equal($0.token.sha256, digest) }?.token
    }

    /// The role `principal`'s token has now; nil once it is revoked.
    func role(of principal: String) -> RPCRole? {
        configured.first { $0.name == principal }?.role ?? issued[principal]?.token.role
    }

    /// What an admin may be told: names, roles, where each came from; never a secret.
    var listing: [(name: String, role: RPCRole, source: String, createdMs: Int64?, createdBy: String?)] {
        configured.map { ($0.name, $0.role, "config", nil, nil) }
            + issued.values.sorted { $0.token.name < $1.token.name }.map { ($0.token.name, $0.token.role, "api", $0.createdMs, $0.createdBy) }
    }

    /// Issues a token named `name`; returns the secret (256 random bits, hex).
    func create(name: String, role: RPCRole, by principal: String, nowMs: Int64 = WallClock.nowMs()) throws(RPCError) -> String {
        guard !configured.isEmpty else {
            throw .unavailable("this host has no api.tokens in its config, so it trusts its own machine and issues no tokens; configure an admin token first")
        }
        guard name.utf8.allSatisfy({ $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0)
                  || (0x61...0x7A).contains($0) }) else {
            throw .invalidParams("name: letters, digits, '.', '_' and '-' only")
        }
        guard self.role(of: name) == nil else { throw .invalidParams("name: a token named \(name) exists (revoke it first)") }
        guard !revoked.contains(name) else {
            throw .invalidParams("name: \(name) was revoked since the host started; choose another name (or reuse it after a restart)")
        }
        guard issued.count < Self.maxIssued else {
            throw .unavailable("the host keeps at most \(Self.maxIssued) issued tokens; revoke some first")
        }
        let secret = "manta_" + RandomSecret.hex256()
        let entry = Issued(token: APIToken(name: name, sha256: TokenHash.digest(secret), role: role), createdMs: nowMs,
                           createdBy: principal)
        issued[name] = entry
        let row = (target: name, definition: Optional(Self.json(entry).serialized()))
        store?.add { $0.tokens.append(row) }
        return secret
    }

    /// Revokes the issued token `name`: sessions logged in with it lose their rights at their next call.
    func revoke(_ name: String) throws(RPCError) {
        if configured.contains(where: { $0.name == name }) {
            throw .invalidParams("name: \(name) comes from the config (api.tokens); remove it there and restart")
        }
        guard issued.removeValue(forKey: name) != nil else { throw .notFound("no issued token \(name)") }
        revoked.insert(name)
        store?.add { $0.tokens.append((target: name, definition: nil)) }
    }

    /// The tokens the store kept; one that does not read is skipped (and
    /// returned, for an event), as is one whose name the config now uses,
    /// and all of them when the config has no tokens any more.
    func restore(_ rows: [(target: String, definition: String)]) -> [String] {
        var skipped: [String] = []
        for (name, text) in rows {
            guard !configured.isEmpty, let json = try? JSON.parse(text), let entry = Self.entry(name, json),
                  !configured.contains(where: { $0.name == name }), issued.count < Self.maxIssued else {
                skipped.append(name)
                continue
            }
            issued[name] = entry
        }
        return skipped
    }

    static func json(_ e: Issued) -> JSON {
        .object(JSONObject([("sha256", .string(TokenHash.hex(e.token.sha256))), ("role", .string(e.token.role.rawValue)),
                            ("created_ms", .int(e.createdMs)), ("created_by", .string(e.createdBy))]))
    }

    static func entry(_ name: String, _ json: JSON) -> Issued? {
        guard let digest = json["sha256"]?.string.flatMap({ TokenHash.parse(hex: $0) }),
              let role = json["role"]?.string.flatMap(RPCRole.init(rawValue:)),
              let created = json["created_ms"]?.integer, let by = json["created_by"]?.string else { return nil }
        return Issued(token: APIToken(name: name, sha256: digest, role: role), createdMs: created, createdBy: by)
    }
}
