import MantaIO

/// Browser sessions: a token given once to `POST /login` becomes a random
/// session id in an HttpOnly cookie, so the page never holds the token.
/// Sessions live in memory (a restart logs browsers out), expire after the
/// configured time, end at `POST /logout`, and are bounded in number.
@LoopActor
final class BrowserSessions {
    struct Entry {
        var principal: String
        var role: RPCRole
        var expiresMs: Int64
    }

    nonisolated static let cookieName = "manta_session"
    static let maxSessions = 10_000

    let ttlMs: Int64
    private var entries: [String: Entry] = [:]

    init(ttlMs: Int64) { self.ttlMs = ttlMs }

    var count: Int { entries.count }

    /// A new session for a token just checked; its id.
    func open(principal: String, role: RPCRole, nowMs: Int64 = WallClock.nowMs()) -> (id: String, entry: Entry) {
        if entries.count >= Self.maxSessions {
            entries = entries.filter { $0.value.expiresMs > nowMs }
            // Still full: the session closest to expiry makes room.
            if entries.count >= Self.maxSessions, let oldest = entries.min(by: { $0.value.expiresMs < $1.value.expiresMs }) {
                entries[oldest.key] = nil
            }
        }
        let id = RandomSecret.hex256()
        let entry = Entry(principal: principal, role: role, expiresMs: nowMs + ttlMs)
        entries[id] = entry
        return (id, entry)
    }

    /// The live session a Cookie header names, if any.
    func find(cookie: String?, nowMs: Int64 = WallClock.nowMs()) -> Entry? {
        guard let id = Self.id(in: cookie), let e = entries[id] else { return nil }
        guard e.expiresMs > nowMs else {
            entries[id] = nil
            return nil
        }
        return e
    }

    /// Ends the session a Cookie header names; true when there was one.
    func close(cookie: String?) -> Bool {
        guard let id = Self.id(in: cookie) else { return false }
        return entries.removeValue(forKey: id) != nil
    }

    /// The Set-Cookie value for a session (or, with nil, one that clears it).
    func setCookie(_ id: String?, secure: Bool) -> String {
        let life = id == nil ? "Max-Age=0" : "Max-Age=\(ttlMs / 1000)"
        return "\(Self.cookieName)=\(id ?? ""); Path=/; HttpOnly; SameSite=Strict; \(life)" + (secure ? "; Secure" : "")
    }

    nonisolated static func id(in cookie: String?) -> String? {
        guard let cookie else { return nil }
        for part in cookie.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingSpaces == cookieName { return String(pair[1].trimmingSpaces) }
        }
        return nil
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
