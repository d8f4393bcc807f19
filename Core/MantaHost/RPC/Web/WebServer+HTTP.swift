import CWebServer
import MantaConsole
import MantaIO
import MantaJSON

/// The HTTP routes: `POST /rpc` (any JSON-RPC message), `POST /rpc/<method>`
/// (a method's params as the body), `POST /login` and `POST /logout`
/// (browser sessions), `GET /openapi.json`, `GET /session`, and the
/// console's files at `GET /` and `GET /<file>`.
extension WebServer {
    func post(_ conn: OpaquePointer, _ request: Request, _ body: UnsafeRawBufferPointer) {
        requests += 1
        let socket = Socket(conn: conn, session: session(conn))
        sockets[conn] = socket
        switch request.path {
        case "/login": return login(socket, body)
        case "/logout": return logout(socket, request)
        default: break
        }
        let method = request.path.hasPrefix("/rpc/") ? String(request.path.dropFirst(5)) : nil
        guard request.path == "/rpc" || method?.isEmpty == false else {
            return answer(socket, status: 404, Self.error(-32601, "no such path: \(request.path) (\(Self.entryPoints))"))
        }
        if let refusal = authorise(socket.session, request) { return answer(socket, status: 401, Self.error(refusal)) }
        if let method { return route(socket, method, body) }
        dispatcher.handle(body, session: socket.session) { [weak self] response in
            guard let self, socket.open else { return }
            // JSON-RPC over HTTP: any JSON-RPC answer, errors included, is 200;
            // a message of notifications only has none (204).
            guard let response else { return answer(socket, status: 204, nil) }
            answer(socket, status: 200, response)
        }
    }

    static let entryPoints = "JSON-RPC is POST /rpc or /rpc/<method>, the WebSocket /ws, OpenAPI /openapi.json"

    /// GET: the OpenAPI document, who the browser's session is, and the console.
    func get(_ conn: OpaquePointer, _ request: Request) {
        requests += 1
        let socket = Socket(conn: conn, session: session(conn))
        switch request.path {
        case "/openapi.json":
            answer(socket, status: 200, OpenAPI.document(dispatcher.allMethods, version: HostRuntime.version))
        case "/session":
            answer(socket, status: 200, whoami(socket.session, request))
        case let p where p == "/rpc" || p.hasPrefix("/rpc/") || p == "/login" || p == "/logout":
            answer(socket, status: 405, Self.error(-32600, "\(p) takes POST (\(Self.entryPoints))"))
        default:
            guard let asset = ConsoleAssets.asset(request.path) else {
                return answer(socket, status: 404, Self.error(-32601, "no such path: \(request.path) (\(Self.entryPoints))"))
            }
            send(socket, status: 200, contentType: asset.contentType, asset.bytes)
        }
    }

    static func error(_ code: Int, _ message: String) -> JSON {
        ["jsonrpc": "2.0", "id": .null, "error": ["code": .int(code), "message": .string(message)]]
    }

    static func error(_ e: RPCError) -> JSON { RPCEnvelope.response(id: .null, .failure(e)) }

    /// Who the request speaks for: a Bearer token, else a browser session's
    /// cookie (from this host's own pages only: a cookie sent by a page
    /// elsewhere is the CSRF case), else nobody. nil when that is settled,
    /// else why the request is refused.
    func authorise(_ session: RPCSession, _ request: Request) -> RPCError? {
        if let bearer = request.bearer { return authenticate(bearer, session, given: "in the Authorization header") }
        guard request.cookie != nil, let e = sessions.find(cookie: request.cookie) else { return nil }
        guard sameOrigin(request) else {
            return .unauthorized("a session cookie from a page of another origin (\(request.origin ?? "")) is not accepted")
        }
        session.principal = e.principal
        session.role = e.role
        return nil
    }

    /// The request's Origin, when it has one, is this host as the browser
    /// reached it. Requests without one are not from a page of another site.
    func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.origin else { return true }
        guard let host = request.host else { return false }
        return origin == (secure ? "https://" : "http://") + host
    }

    /// POST /rpc/<method>: the body is the params; 200 with the result, or
    /// the error with the status OpenAPI.status gives.
    private func route(_ socket: Socket, _ method: String, _ body: UnsafeRawBufferPointer) {
        var request = JSONObject([("jsonrpc", "2.0"), ("id", 1), ("method", .string(method))])
        if body.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
            do { request["params"] = try JSON.parse(body) } catch {
                return answer(socket, status: 400, ["error": ["code": -32700, "message": .string("Parse error: \(error.description)")]])
            }
        }
        var bytes: [UInt8] = []
        JSON.object(request).write(to: &bytes)
        bytes.withUnsafeBytes { raw in
            dispatcher.handle(raw, session: socket.session) { [weak self] response in
                guard let self, socket.open, let response = response?.object else { return }
                if let result = response["result"] { return answer(socket, status: 200, result) }
                let code = Int(response["error"]?.object?["code"]?.integer ?? -32603)
                answer(socket, status: OpenAPI.status(ofError: code), ["error": response["error"] ?? .null])
            }
        }
    }

    /// POST /login `{"token": ...}`: a browser session in an HttpOnly,
    /// SameSite=Strict cookie (Secure under TLS); the page never keeps the token.
    private func login(_ socket: Socket, _ body: UnsafeRawBufferPointer) {
        guard let token = (try? JSON.parse(body))?.object?["token"]?.string, !token.isEmpty, token.utf8.count <= 1024 else {
            return answer(socket, status: 400, Self.error(-32602, "POST /login takes {\"token\": \"<an API token>\"}"))
        }
        if let refusal = authenticate(token, socket.session, given: "given to /login") { return answer(socket, status: 401, Self.error(refusal)) }
        guard let principal = socket.session.principal, let role = socket.session.role else {
            return answer(socket, status: 401, Self.error(-32001, "Unauthorized: no tokens are configured"))
        }
        let (id, entry) = sessions.open(principal: principal, role: role)
        let row = AuditRow(tMs: WallClock.nowMs(), principal: principal, peer: socket.session.peer, method: "http.login",
                           params: "{}", outcome: "ok")
        audit.write(row) { [weak self] in
            guard let self, socket.open else { return }
            answer(socket, status: 200, ["principal": .string(principal), "role": .string(role.rawValue), "expires_ms": .int(entry.expiresMs)],
                   setCookie: sessions.setCookie(id, secure: secure))
        }
    }

    private func logout(_ socket: Socket, _ request: Request) {
        let ended = sessions.close(cookie: request.cookie)
        answer(socket, status: 200, ["logged_out": .bool(ended)], setCookie: sessions.setCookie(nil, secure: secure))
    }

    /// GET /session: who the request speaks for, and whether the host asks
    /// for a login at all (not when it has no tokens and the peer is local).
    private func whoami(_ session: RPCSession, _ request: Request) -> JSON {
        let refusal = authorise(session, request)
        return ["principal": session.principal.map(JSON.string) ?? .null, "role": session.role.map { .string($0.rawValue) } ?? .null,
                "login_required": .bool(!dispatcher.trustsWithoutToken(session)), "refused": refusal.map { .string($0.message) } ?? .null]
    }

    func answer(_ socket: Socket, status: Int32, _ value: JSON?, setCookie: String? = nil) {
        var bytes: [UInt8] = []
        if let value { value.write(to: &bytes) }
        if bytes.count > limits.maxReplyBytes, let value {
            let size = bytes.count
            bytes.removeAll()
            RPCEnvelope.response(id: value.object?["id"] ?? .null, .failure(.tooLarge(
                "the reply would be \(size) bytes; the limit is \(limits.maxReplyBytes) (api.max_reply_bytes): ask for less")))
                .write(to: &bytes)
        }
        send(socket, status: status, contentType: nil, bytes, setCookie: setCookie)
    }

    /// Hands the answer to the C server (nil type: JSON); the socket is done.
    private func send(_ socket: Socket, status: Int32, contentType: String?, _ bytes: [UInt8], setCookie: String? = nil) {
        if sockets[socket.conn] === socket { sockets[socket.conn] = nil }
        socket.open = false
        _ = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { body in
                withOptionalCString(contentType) { type in
                    withOptionalCString(setCookie) { mw_http_answer(socket.conn, status, type, $0, body.baseAddress, body.count) }
                }
            }
        }
    }

    /// nil when `token` names a token; else why not. A wrong token counts
    /// against the peer as a failed auth.login does, and is audited the same.
    func authenticate(_ token: String, _ session: RPCSession, given: String) -> RPCError? {
        if let wait = logins.wait(session.host) {
            return .unauthorized("too many failed logins from \(session.host): try again in \(wait) ms")
        }
        if dispatcher.login(session, token: token) {
            logins.succeeded(session.host)
            return nil
        }
        if let note = logins.failed(session.host) {
            audit.write(AuditRow(tMs: WallClock.nowMs(), principal: "anonymous", peer: session.peer, method: "http.bearer",
                                 params: "{}", outcome: "denied: \(note)")) {}
        }
        return .unauthorized("unknown token \(given)")
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString(body)
}
