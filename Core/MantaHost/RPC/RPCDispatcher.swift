import Glibc
import MantaIO
import MantaJSON

/// Turns one JSON-RPC message into its response, whatever the transport.
///
/// Handles single requests, batches and notifications; checks params
/// against each method's schema; authorises state-changing methods and has
/// their audit entry committed before the response goes out, so an
/// acknowledged change is always on record.
@LoopActor
public final class RPCDispatcher {
    private(set) var methods: [String: RPCMethod] = [:]
    private(set) var order: [String] = []
    let tokens: TokenBook
    private let auditLog: AuditLog
    private(set) var handled = 0

    /// Requests one batch may hold (api.max_batch).
    private let maxBatch: Int

    /// The one case that needs no token: a host with none configured
    /// trusts its own machine.
    func trustsWithoutToken(_ session: RPCSession) -> Bool { tokens.isEmpty && session.loopback }

    /// Read methods answer without a token (when tokens are configured).
    let anonymousReads: Bool
    /// What anyone may call, to learn the API and to log in.
    static let openMethods: Set<String> = ["rpc.discover", "auth.login"]

    init(tokens: TokenBook, audit: AuditLog, maxBatch: Int = 1000, anonymousReads: Bool = true) {
        self.tokens = tokens
        self.anonymousReads = anonymousReads
        auditLog = audit
        self.maxBatch = maxBatch
    }

    private func audit(_ row: AuditRow, _ done: @escaping @LoopActor @Sendable () -> Void) {
        auditLog.write(row, then: done)
    }

    func register(_ m: RPCMethod) {
        precondition(methods[m.name] == nil, "method \(m.name) registered twice")
        methods[m.name] = m
        order.append(m.name)
    }

    var allMethods: [RPCMethod] { order.compactMap { methods[$0] } }

    /// Handles one message (a line of the wire protocol). `reply` gets the
    /// response, or nil when there is none to send (notifications only).
    func handle(_ bytes: UnsafeRawBufferPointer, session: RPCSession, reply: @escaping @LoopActor @Sendable (JSON?) -> Void) {
        if RequestSalvage.batchExceeds(maxBatch, bytes) {
            return reply(RPCEnvelope.response(id: .null, .failure(.invalidRequest(
                "a batch of more than \(maxBatch) requests (api.max_batch)"))))
        }
        if let base = bytes.baseAddress, let nul = memchr(base, 0, bytes.count) {
            let offset = base.distance(to: UnsafeRawPointer(nul))
            return reply(RPCEnvelope.response(id: .null, .failure(.parseError("a raw NUL byte at offset \(offset)"))))
        }
        let message: JSON
        do {
            message = try JSON.parse(bytes)
        } catch {
            // Valid JSON holding a value Manta cannot represent is a params
            // problem of a request whose id can still be read.
            if RequestSalvage.isUnrepresentable(error.message), let id = RequestSalvage.id(in: bytes) {
                let json: JSON
                switch id {
                case .string(let s): json = .string(s)
                case .int(let v): json = .int(v)
                case .null: json = .null
                }
                return reply(RPCEnvelope.response(id: json, .failure(.invalidParams(
                    "the request is valid JSON but holds a value Manta cannot represent (\(error.description))"))))
            }
            return reply(RPCEnvelope.response(id: .null, .failure(.parseError(error.description))))
        }
        guard case .array(let items) = message else {
            return handleOne(message, session: session) { reply($0) }
        }
        guard !items.isEmpty else {
            return reply(RPCEnvelope.response(id: .null, .failure(.invalidRequest("empty batch"))))
        }
        guard items.count <= maxBatch else {
            return reply(RPCEnvelope.response(id: .null, .failure(.invalidRequest(
                "a batch of \(items.count) requests; the limit is \(maxBatch) (api.max_batch)"))))
        }
        // Answers may arrive out of order (async methods); collect them all
        // and send one array, leaving out notifications.
        let batch = BatchAnswers(count: items.count, reply: reply)
        handleBatch(items, from: 0, batch, session: session)
    }

    /// A batch's requests are handed out a slice at a time: at most
    /// `sliceRequests` or `sliceNs` of work (at least one request), then the
    /// rest waits for a later turn of the loop, so that a batch of costly
    /// requests delays other clients by a slice, not by the whole batch.
    /// While a batch is being handed out its session takes no new message
    /// (`RPCSession.busy`): one client has at most one batch in hand.
    static let sliceRequests = 256
    static let sliceNs: UInt64 = 2_000_000

    private func handleBatch(_ items: [JSON], from first: Int, _ batch: BatchAnswers, session: RPCSession) {
        let started = WallClock.monotonicNs()
        var i = first
        while i < items.count {
            if i > first, i - first == Self.sliceRequests || WallClock.monotonicNs() - started > Self.sliceNs {
                session.busy = true
                EventLoop.shared.execute { [self] in handleBatch(items, from: i, batch, session: session) }
                return
            }
            let k = i
            handleOne(items[k], session: session) { answer in batch.answer(k, answer) }
            i += 1
        }
        if session.busy {
            session.busy = false
            session.resume?()
        }
    }

    private func handleOne(_ value: JSON, session: RPCSession, reply: @escaping @LoopActor @Sendable (JSON?) -> Void) {
        handled += 1
        let request: RPCEnvelope.Request
        switch RPCEnvelope.parse(value) {
        case .failure(let bad): return reply(RPCEnvelope.response(id: bad.id, .failure(bad.error)))
        case .success(let r): request = r
        }
        let respond: RPCRespond = { result in
            reply(request.id.map { RPCEnvelope.response(id: $0, result) })
        }
        guard let method = methods[request.method] else { return respond(.failure(.methodNotFound(request.method))) }
        let principal = session.principal ?? (session.loopback ? "local" : "anonymous")
        // Authorisation comes before anything else about the call: an
        // unauthorised caller learns nothing from params checks, and its
        // attempt is on record whatever its params were.
        let gated = method.mutating || (!anonymousReads && !Self.openMethods.contains(method.name))
        if gated, let denied = authorise(session, for: method) {
            let given = request.params?.object.map(RPCDispatcher.redacted).map { JSON.object($0) } ?? request.params ?? .null
            let row = AuditRow(tMs: WallClock.nowMs(), principal: principal, peer: session.peer, method: method.name,
                               params: RPCDispatcher.auditText(given), outcome: "denied: \(denied)")
            return audit(row) { respond(.failure(.unauthorized(denied))) }
        }
        let params: JSONObject
        switch checkedParams(request.params, for: method) {
        case .failure(let e):
            guard method.mutating else { return respond(.failure(e)) }
            let row = AuditRow(tMs: WallClock.nowMs(), principal: principal, peer: session.peer, method: method.name,
                               params: RPCDispatcher.auditText(request.params ?? .null), outcome: "error: \(e.message)")
            return audit(row) { respond(.failure(e)) }
        case .success(let p): params = p
        }
        guard method.mutating else { return run(method, params, session, respond) }
        let record: @LoopActor @Sendable (String) -> AuditRow = { result in
            AuditRow(tMs: WallClock.nowMs(), principal: principal, peer: session.peer, method: method.name,
                     params: RPCDispatcher.auditText(.object(RPCDispatcher.redacted(params))), outcome: result)
        }
        run(method, params, session) { [self] result in
            let text: String
            switch result {
            case .success: text = "ok"
            case .failure(let e): text = "error: \(e.message)"
            }
            audit(record(text)) { respond(result) }
        }
    }

    /// Params as the audit log keeps them: at most 4 KiB of JSON.
    nonisolated static func auditText(_ params: JSON) -> String {
        let text = params.serialized()
        guard text.utf8.count > 4096 else { return text }
        return String(decoding: Array(text.utf8.prefix(4096)), as: UTF8.self) + "... (\(text.utf8.count) bytes)"
    }

    private func run(_ m: RPCMethod, _ params: JSONObject, _ session: RPCSession, _ respond: @escaping RPCRespond) {
        switch m.handler {
        case .sync(let body):
            do throws(RPCError) {
                respond(.success(try body(params, session)))
            } catch {
                respond(.failure(error))
            }
        case .async(let body):
            body(params, session, respond)
        }
    }

    /// By-name params as given, by-position params mapped onto the names
    /// in schema order; then defaults filled and the schema checked.
    private func checkedParams(_ raw: JSON?, for m: RPCMethod) -> Result<JSONObject, RPCError> {
        var object = JSONObject()
        switch raw {
        case .none: break
        case .object(let o)?: object = o
        case .array(let list)?:
            let names = m.paramNames
            guard list.count <= names.count else {
                return .failure(.invalidParams("\(m.name) takes at most \(names.count) positional params, got \(list.count)"))
            }
            for (name, value) in zip(names, list) { object[name] = value }
        default: break
        }
        let violations = m.params.validate(.object(object))
        guard violations.isEmpty else {
            let list = violations.map(\.description)
            return .failure(.invalidParams(list.joined(separator: "; "), data: ["violations": .array(list.map(JSON.string))]))
        }
        return .success(m.params.applyingDefaults(to: .object(object)).object ?? object)
    }

    /// nil when the session may call `method` (a state-changing one), else why not.
    private func authorise(_ session: RPCSession, for method: RPCMethod) -> String? {
        if trustsWithoutToken(session) { return nil }
        if tokens.isEmpty { return "no tokens are configured and the peer is not local" }
        guard let principal = session.principal, session.role != nil else { return "call auth.login with an API token first" }
        // The token's role now: one revoked since the login has none.
        guard let role = tokens.role(of: principal) else {
            session.principal = nil
            session.role = nil
            return "token \(principal) has been revoked; log in with another"
        }
        guard role >= method.role else {
            return "\(method.name) needs the \(method.role.rawValue) role; token \(principal) is \(role.rawValue)"
        }
        return nil
    }

    /// Checks a token; sets the session's principal when it is valid.
    /// A failed login also drops an earlier authorisation of the session.
    func login(_ session: RPCSession, token: String) -> Bool {
        let digest = TokenHash.digest(token)
        guard let match = tokens.find(digest: digest) else {
            session.principal = nil
            session.role = nil
            return false
        }
        session.principal = match.name
        session.role = match.role
        return true
    }

    /// Params as they go into the audit log: secrets masked.
    nonisolated static func redacted(_ params: JSONObject) -> JSONObject {
        var p = params
        for key in ["token", "password", "secret"] where p[key] != nil { p[key] = "***" }
        return p
    }
}

/// The answers of one batch, gathered as they arrive (in any order) and
/// sent as one array once all are in.
@LoopActor
private final class BatchAnswers {
    private var answers: [JSON?]
    private var remaining: Int
    private let reply: @LoopActor @Sendable (JSON?) -> Void

    init(count: Int, reply: @escaping @LoopActor @Sendable (JSON?) -> Void) {
        answers = [JSON?](repeating: nil, count: count)
        remaining = count
        self.reply = reply
    }

    func answer(_ i: Int, _ answer: JSON?) {
        answers[i] = answer
        remaining -= 1
        if remaining == 0 {
            let list = answers.compactMap { $0 }
            reply(list.isEmpty ? nil : .array(list))
        }
    }
}
